//! Generates the `i18n` module from `locales/en.json` and `locales/fa.json`: one
//! typed key per string, so a key missing from either language fails the build.

use std::error::Error;
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=Cargo.toml");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);

    // Interpolated strings as plain `String`s too, for attributes and for the
    // formatting helpers that take a locale rather than a reactive context.
    let options = ParseOptions::new().interpolate_display(true);
    let config = Config::new("en")?.add_locale("fa")?.parse_options(options);
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(out.join("i18n"))?;
    Ok(())
}
