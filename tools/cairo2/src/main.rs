//! The project's one Cairo 2 compiler (2.8.4, Integrity's release): compiles Starknet contracts to Sierra
//! and CASM the way `starknet-compile` and `starknet-sierra-compile` do, with what those two commands lack
//! and Scarb supplies: a crate of several files under a name of its choice, an edition, and `cfg` flags
//! (Scarb's features, such as Integrity's layout and hasher).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use cairo_lang_compiler::db::RootDatabase;
use cairo_lang_compiler::diagnostics::DiagnosticsReporter;
use cairo_lang_compiler::CompilerConfig;
use cairo_lang_defs::ids::TopLevelLanguageElementId;
use cairo_lang_filesystem::cfg::{Cfg, CfgSet};
use cairo_lang_filesystem::db::{
    init_dev_corelib, CrateConfiguration, CrateSettings, Edition, ExperimentalFeaturesConfig, FilesGroupEx,
};
use cairo_lang_filesystem::ids::{CrateLongId, Directory};
use cairo_lang_starknet::compile::compile_prepared_db;
use cairo_lang_starknet::contract::find_contracts;
use cairo_lang_starknet::starknet_plugin_suite;
use cairo_lang_starknet_classes::casm_contract_class::CasmContractClass;
use cairo_lang_utils::Intern;
use clap::Parser;

/// Compile the Starknet contracts of one Cairo crate.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The corelib's `src` folder (the same release as this compiler).
    #[arg(long)]
    corelib: PathBuf,
    /// The crate, as `name=folder` (the folder holds `lib.cairo`), or a single `.cairo` file, whose
    /// stem names the crate.
    #[arg(long = "crate")]
    krate: String,
    /// The crate's edition, as Scarb spells it (`2023_01`, `2023_10`, `2023_11`, `2024_07`).
    #[arg(long, default_value = "2023_01")]
    edition: String,
    /// A cfg flag: `key=value` (Scarb's `--features f` is `feature=f`) or a bare name.
    #[arg(long = "cfg")]
    cfgs: Vec<String>,
    /// A contract to write, as `module::path::Contract=output stem`: writes `<stem>.sierra.json` and,
    /// with `--casm`, `<stem>.casm.json`.
    #[arg(long = "contract", required = true)]
    contracts: Vec<String>,
    /// Also compile each contract to CASM.
    #[arg(long)]
    casm: bool,
}

fn edition(name: &str) -> Result<Edition> {
    Ok(match name {
        "2023_01" => Edition::V2023_01,
        "2023_10" => Edition::V2023_10,
        "2023_11" => Edition::V2023_11,
        "2024_07" => Edition::V2024_07,
        other => bail!("--edition: `{other}` is not an edition of Cairo 2.8 (2023_01, 2023_10, 2023_11, 2024_07)"),
    })
}

fn cfg(text: &str) -> Cfg {
    match text.split_once('=') {
        Some((key, value)) => Cfg::kv(key.to_string(), value.to_string()),
        None => Cfg::name(text.to_string()),
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let corelib = args.corelib.canonicalize().with_context(|| format!("--corelib {}", args.corelib.display()))?;
    if !corelib.join("lib.cairo").is_file() {
        bail!("--corelib {}: no lib.cairo there; give the corelib's src folder", corelib.display());
    }
    let (name, root, single_file) = match args.krate.split_once('=') {
        Some((name, folder)) => (name.to_string(), PathBuf::from(folder), None),
        None => {
            let file = PathBuf::from(&args.krate);
            let stem = file.file_stem().and_then(|s| s.to_str()).context("--crate: a file needs a name")?.to_string();
            let folder = file.parent().map(PathBuf::from).unwrap_or_default();
            (stem.clone(), folder, Some(stem))
        }
    };
    let root = root.canonicalize().with_context(|| format!("--crate {}", root.display()))?;

    let cfg_set: CfgSet = args.cfgs.iter().map(|c| cfg(c)).collect();
    let mut db =
        RootDatabase::builder().with_plugin_suite(starknet_plugin_suite()).with_cfg(cfg_set.clone()).build()?;
    init_dev_corelib(&mut db, corelib);
    let crate_id = CrateLongId::Real(name.clone().into()).intern(&db);
    let settings = CrateSettings {
        edition: edition(&args.edition)?,
        version: None,
        cfg_set: Some(cfg_set),
        experimental_features: ExperimentalFeaturesConfig::default(),
    };
    db.set_crate_config(crate_id, Some(CrateConfiguration { root: Directory::Real(root), settings }));
    if let Some(stem) = single_file {
        // A single file is a crate whose root module declares it, as `starknet-compile --single-file` does.
        let module = cairo_lang_defs::ids::ModuleId::CrateRoot(crate_id);
        let main = cairo_lang_defs::db::DefsGroup::module_main_file(&db, module)
            .map_err(|_| anyhow::anyhow!("--crate: the crate's root file cannot be set up"))?;
        db.override_file_content(main, Some(format!("mod {stem};").into()));
    }

    let found = find_contracts(&db, &[crate_id]);
    let mut wanted = Vec::new();
    for request in &args.contracts {
        let (path, stem) = request
            .split_once('=')
            .with_context(|| format!("--contract {request}: give it as `module::path::Contract=output stem`"))?;
        let contract = found.iter().find(|c| c.submodule_id.full_path(&db) == path).with_context(|| {
            let names: Vec<String> = found.iter().map(|c| c.submodule_id.full_path(&db)).collect();
            format!("--contract {path}: no such contract in crate `{name}` with these cfg flags (found: {names:?})")
        })?;
        wanted.push((contract, PathBuf::from(stem)));
    }
    let config = CompilerConfig {
        diagnostics_reporter: DiagnosticsReporter::stderr(),
        replace_ids: true,
        ..CompilerConfig::default()
    };
    let contracts: Vec<_> = wanted.iter().map(|(c, _)| *c).collect();
    let classes = compile_prepared_db(&db, &contracts, config)?;
    for (class, (contract, stem)) in classes.into_iter().zip(&wanted) {
        let path = contract.submodule_id.full_path(&db);
        let sierra = stem.with_extension("sierra.json");
        std::fs::write(&sierra, serde_json::to_string_pretty(&class)? + "\n")
            .with_context(|| format!("writing {}", sierra.display()))?;
        let felts = class.sierra_program.len();
        if args.casm {
            let casm = CasmContractClass::from_contract_class(class, false, usize::MAX)
                .with_context(|| format!("{path}: Sierra to CASM"))?;
            let out = stem.with_extension("casm.json");
            std::fs::write(&out, serde_json::to_string_pretty(&casm)? + "\n")
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("{path}: {felts} Sierra felts, {} CASM felts", casm.bytecode.len());
        } else {
            eprintln!("{path}: {felts} Sierra felts");
        }
    }
    Ok(())
}
