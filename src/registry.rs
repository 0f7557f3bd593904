//! The list of the component's functions: each handler's description, its runtime adapter and
//! its dynamic metadata, so the manifest, the runtime and the services all read one list.

use std::sync::Arc;

use sailor::Function;
use serde_json::Value;

use crate::call::{describe, Adapter, Handler, MetaSource};
use crate::spec::FunctionSpec;

/// One registered function.
pub struct Entry {
    /// Its full description.
    pub spec: FunctionSpec,
    /// The runtime adapter.
    pub function: Arc<dyn Function>,
    /// Its dynamic metadata for a step configuration (without calling GoTo).
    pub metadata: fn(&Value) -> Option<Value>,
    /// Its dynamic metadata for a step configuration, calling GoTo when it needs to.
    pub meta: Arc<dyn MetaSource>,
}

/// The registered functions, in registration order.
#[derive(Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    /// Registers a handler.
    pub fn add<H: Handler + Default>(&mut self) {
        let adapter = Arc::new(Adapter::new(H::default()));
        self.entries.push(Entry {
            spec: describe::<H>(),
            function: adapter.clone(),
            metadata: H::metadata,
            meta: adapter,
        });
    }

    /// Every entry.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.spec.name == name)
    }
}
