//! Cross-crate and cross-process end-to-end tests for dexmon. The tests live in `tests/`;
//! this library holds nothing yet but keeps the package a normal workspace member.
