//! Runtime for Rust components on elastic.io-style integration platforms.
