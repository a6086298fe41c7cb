//! The risk program's hints, run by cairo-vm as Rust: each string is exactly the Python the compiled program
//! carries (and Python's `cairo-run` executes), and each Rust body gives the same values. A hint only
//! proposes values; the program's own checks bind them, so a wrong hint fails the run, it cannot pass a lie.

use std::collections::HashMap;
use std::rc::Rc;

use cairo_vm::Felt252;
use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::{
    BuiltinHintProcessor, HintFunc,
};
use cairo_vm::hint_processor::builtin_hint_processor::hint_utils::{
    get_integer_from_var_name, get_ptr_from_var_name, insert_value_from_var_name,
};
use cairo_vm::types::relocatable::MaybeRelocatable;
use cairo_vm::vm::errors::hint_errors::HintError;
use starknet_types_core::felt::NonZeroFelt;

/// Writes the statement's input words where the program reads them.
pub const INPUT: &str = r#"segments.write_arg(ids.inputs, program_input["inputs"])"#;
/// Floor division: the quotient and remainder `unsigned_div_rem` then checks.
pub const DIVMOD: &str = "ids.q, ids.r = divmod(ids.value, ids.div)";
/// Which side of a comparison holds, which `is_le` then proves.
pub const LESS_OR_EQUAL: &str = "ids.le = 1 if ids.a <= ids.b else 0";
/// Every hint the program carries, so a test can show none is left to a processor that does not know it.
pub const ALL: [&str; 3] = [INPUT, DIVMOD, LESS_OR_EQUAL];

/// A hint processor that knows the risk program's hints, and nothing else.
pub fn processor() -> BuiltinHintProcessor {
    let mut hints = BuiltinHintProcessor::new_empty();
    hints.add_hint(INPUT.to_string(), input());
    hints.add_hint(DIVMOD.to_string(), divmod());
    hints.add_hint(LESS_OR_EQUAL.to_string(), less_or_equal());
    hints
}

fn input() -> Rc<HintFunc> {
    Rc::new(HintFunc(Box::new(|vm, scopes, ids, ap_tracking, _constants| {
        let inputs = scopes.get_list_ref::<Felt252>("program_input")?.clone();
        let base = get_ptr_from_var_name("inputs", vm, ids, ap_tracking)?;
        let values: Vec<MaybeRelocatable> = inputs.into_iter().map(MaybeRelocatable::Int).collect();
        vm.segments.load_data(base, &values).map_err(HintError::Memory)?;
        Ok(())
    })))
}

fn divmod() -> Rc<HintFunc> {
    Rc::new(HintFunc(Box::new(|vm, _scopes, ids, ap_tracking, _constants| {
        let value = get_integer_from_var_name("value", vm, ids, ap_tracking)?;
        let div = get_integer_from_var_name("div", vm, ids, ap_tracking)?;
        // Python's divmod raises on zero too; the program's own check refuses div = 0 either way.
        let divisor = NonZeroFelt::try_from(div).map_err(|_| HintError::CustomHint("division by zero".into()))?;
        let (q, r) = value.div_rem(&divisor);
        insert_value_from_var_name("q", q, vm, ids, ap_tracking)?;
        insert_value_from_var_name("r", r, vm, ids, ap_tracking)
    })))
}

fn less_or_equal() -> Rc<HintFunc> {
    Rc::new(HintFunc(Box::new(|vm, _scopes, ids, ap_tracking, _constants| {
        let a = get_integer_from_var_name("a", vm, ids, ap_tracking)?;
        let b = get_integer_from_var_name("b", vm, ids, ap_tracking)?;
        // Felts order by their canonical integers, as Python compares ids values.
        let le = if a <= b { Felt252::ONE } else { Felt252::ZERO };
        insert_value_from_var_name("le", le, vm, ids, ap_tracking)
    })))
}

/// The hint codes the compiled program carries.
pub fn carried(compiled: &str) -> Result<Vec<String>, String> {
    let json: serde_json::Value = serde_json::from_str(compiled).map_err(|e| format!("compiled program: {e}"))?;
    let hints: HashMap<String, Vec<serde_json::Value>> =
        serde_json::from_value(json["hints"].clone()).map_err(|e| format!("hints: {e}"))?;
    let mut codes: Vec<String> =
        hints.values().flatten().filter_map(|h| h["code"].as_str().map(str::to_string)).collect();
    codes.sort();
    codes.dedup();
    Ok(codes)
}
