//! Loading a configuration file (`advise.toml` / `[tool.advise]`), as
//! `--config` does, and resolving a file's settings from it. Must return
//! settings or an error naming the file, never panic.
#![no_main]

use advise::config::Resolver;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("advise-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let d = dir();
    // Alternate between the two file shapes the loader accepts.
    let name = if data.first().is_some_and(|b| b % 2 == 0) {
        "advise.toml"
    } else {
        "pyproject.toml"
    };
    let path = d.join(name);
    if std::fs::write(&path, data).is_err() {
        return;
    }
    match Resolver::new(d.clone(), Default::default(), Some(&path), false) {
        Ok(r) => {
            let _ = r.settings_for(&d.join("pkg/mod.py"), false);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
