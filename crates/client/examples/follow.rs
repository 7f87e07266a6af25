//! Prints every opportunity that opens or changes above a net-profit threshold, and says so
//! when the connection drops, comes back, or lost something.
//!
//! ```sh
//! cargo run -p monitor &                                  # the simulator is enough
//! cargo run -p dexmon-client --example follow -- ws://127.0.0.1:8080/ws 0.1
//! ```

use dexmon_client::protocol::{OpportunityStatus, ServerMessage};
use dexmon_client::{Client, Config, Event};

#[tokio::main]
async fn main() -> Result<(), dexmon_client::Error> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:8080/ws".into());
    let threshold: f64 = args.next().and_then(|t| t.parse().ok()).unwrap_or(0.1);
    let mut config = Config::new(url);
    if let Ok(token) = std::env::var("DEXMON_TOKEN") {
        config = config.token(token);
    }
    let mut client = Client::connect(config).await?;
    println!("following opportunities above {threshold}% net");
    while let Some(event) = client.next_event().await {
        match event? {
            Event::Message(ServerMessage::Opportunity(o))
                if o.status != OpportunityStatus::Close && o.net_profit_percent >= threshold =>
            {
                println!(
                    "{:>6} {:<14} buy {:<8} sell {:<8} net {:.3}% size {:.4} conf {}",
                    format!("{:?}", o.status).to_lowercase(),
                    o.pair,
                    o.buy_dex,
                    o.sell_dex,
                    o.net_profit_percent,
                    o.recommended_size,
                    o.confidence
                );
            }
            Event::Disconnected { code, reason } => println!("disconnected ({code:?}) {reason}"),
            Event::Reconnecting { attempt, delay } => {
                println!("reconnecting: attempt {attempt} in {delay:?}");
            }
            Event::Resumed { recovered } => println!("resumed, nothing lost: {recovered}"),
            Event::Gap { channel, from, to } => {
                println!("LOST {channel} {from}..; the snapshot at {to} follows");
            }
            _ => {}
        }
    }
    Ok(())
}
