//! The HTTP part: serves a router until `stop`, then waits for every other task of the node.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::MonitorError;
use crate::source::CoalescingQueue;

/// Serves `app` on `listener` until `stop`, then closes `queue` (releasing the pipeline
/// thread) and waits for `tasks`. Each accepted socket gets `send_buffer` bytes of kernel send
/// buffer (`None`: the kernel's autotuning).
pub fn spawn(
    listener: TcpListener,
    send_buffer: Option<usize>,
    app: Router,
    mut stop: watch::Receiver<bool>,
    queue: Arc<CoalescingQueue>,
    tasks: Vec<JoinHandle<()>>,
) -> JoinHandle<Result<(), MonitorError>> {
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        // Messages are small and latency matters more than packet count: no Nagle delay.
        let listener = axum::serve::ListenerExt::tap_io(listener, move |tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "TCP_NODELAY could not be set");
            }
            // A fixed buffer bounds how much a client that stops reading leaves queued in the
            // kernel, so its outbox starts conflating sooner and it resumes on fresher prices.
            if let Some(bytes) = send_buffer
                && let Err(err) = socket2::SockRef::from(&*tcp).set_send_buffer_size(bytes)
            {
                tracing::warn!(%err, bytes, "SO_SNDBUF could not be set");
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stop| *stop).await;
            })
            .await
            .map_err(MonitorError::Runtime);
        queue.close();
        for task in tasks {
            let _ = task.await;
        }
        tracing::info!("shut down cleanly");
        served
    })
}
