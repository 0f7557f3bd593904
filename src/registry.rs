//! The list of the component's functions: each handler's description, its runtime adapter and
//! its dynamic metadata, so the manifest, the runtime and the services all read one list.

use std::sync::{Arc, OnceLock};

use sailor::Function;
use serde_json::Value;

use crate::call::{describe, Adapter, Handler, MetaSource};
use crate::spec::FunctionSpec;

/// One registered function.
pub struct Entry {
    /// Its name: the manifest's key and the CLI's function name.
    pub name: &'static str,
    /// Builds its full description (schemas included) when first asked for.
    describe: fn() -> FunctionSpec,
    spec: OnceLock<FunctionSpec>,
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
            name: H::describe().name,
            describe: describe::<H>,
            spec: OnceLock::new(),
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
        self.entries.iter().find(|entry| entry.name == name)
    }
}

impl Entry {
    /// Its full description. Built on first use: running one action needs none of the schemas,
    /// and building all of them is a good part of a cold start.
    pub fn spec(&self) -> &FunctionSpec {
        self.spec.get_or_init(self.describe)
    }
}
