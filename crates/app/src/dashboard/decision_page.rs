//! What one decision's page shows: its numbers and where they came from, verification badges, the proof
//! job's attempts as a timeline, and the buttons the visitor's role allows.

use maud::{Markup, html};
use starkrisk_domain::DecisionId;
use starkrisk_domain::usecases::VerificationReport;

use crate::auth::Role;
use crate::dashboard::layout::{PageError, badge, hash_or_dash, percent, short, tone, when};
use crate::dashboard::session::Session;
use crate::http::dto::{ChainChecksView, DecisionView, RiskMetrics};
use crate::http::error::ApiError;
use crate::http::job_view::{ProofJobView, RegistrationView};
use crate::http::state::AppState;

/// The decision's details, as the page and its live refresh render them.
pub async fn details(state: &AppState, session: &Session, id: DecisionId) -> Result<Markup, PageError> {
    let current = state.decisions.get(id).await.map_err(ApiError::from)?;
    let view = DecisionView::new(&current.decision, current.job.as_ref());
    let job = current.job.as_ref().map(ProofJobView::new);
    // What the chain says of the fact, when there is one and a registry to ask; a failure is shown, not fatal.
    let on_chain = match (&current.job, &view.fact_hash) {
        (Some(job), Some(_)) => Some(state.status.of_job(job.id()).await.map_err(|e| e.to_string())),
        _ => None,
    };
    Ok(html! {
        p.status {
            "Status " (badge(tone(&view.status), &view.status))
            " · made " (when(view.created_at)) " · model v" (view.model_version) " " (short(&view.model_hash))
        }
        @if let Some(message) = &view.message { p.note { (message) } }
        (badges(&view, job.as_ref(), on_chain))
        (chain_checks(&view.chain_checks))
        @if let Some(moved) = &view.execution_treasury { (treasury(moved)) }
        (actions(session, &view, job.as_ref()))
        (numbers(&view))
        @if let Some(job) = &job { (timeline(job)) }
    })
}

fn badges(
    view: &DecisionView,
    job: Option<&ProofJobView>,
    on_chain: Option<Result<VerificationReport, String>>,
) -> Markup {
    let local = job.and_then(|j| {
        j.security_bits.map(|bits| (j.proof_system.clone().unwrap_or_default(), bits, j.provable_security_bits))
    });
    html! {
        section aria-labelledby="verification" {
            h2 id="verification" { "Verification" }
            ul.badges {
                li id="badge-local" {
                    @match &local {
                        Some((system, bits, provable)) => {
                            (badge("ok", "Verified locally")) " " (system) ", " (bits) " bits"
                            @if let Some(p) = provable { " (" (p) " provable)" }
                        }
                        None => { (badge("wait", "Not verified yet")) }
                    }
                }
                li id="badge-fact" { (fact_badge(view.fact_hash.as_deref(), view.registration.as_ref(), on_chain)) }
                li id="badge-executed" {
                    @match &view.tx_hash {
                        Some(tx) => {
                            (badge("ok", "Executed")) " tx " code { (tx) }
                            @if let Some(block) = view.block_number { " in block " (block) }
                        }
                        None => { (badge("wait", "Not executed")) }
                    }
                }
            }
        }
    }
}

/// What the chain itself checked, rule by rule, beside what only the service did.
fn chain_checks(checked: &ChainChecksView) -> Markup {
    html! {
        section aria-labelledby="chain-checks" {
            h2 id="chain-checks" { "Checked on chain" }
            @match checked.by.as_str() {
                "vault" => {
                    p id="chain-checks-by" { "The AllocationVault executed it, and reverts unless every rule below holds:" }
                    ul.checks {
                        @for check in &checked.checks {
                            li id={ "check-" (check.rule) } { (badge("ok", &check.rule)) " " (check.outcome) }
                        }
                    }
                }
                "none" => {
                    p id="chain-checks-by" { (badge("bad", "Not checked")) " executed by a contract that is not the AllocationVault: \
                        the chain checked none of the gate's rules, only the service did" }
                }
                _ => { p id="chain-checks-by" { (badge("wait", "Nothing yet")) " the chain checks the proof's fact, the model, the \
                    limits, the snapshot and replay when the vault executes it" } }
            }
        }
    }
}

/// What the execution moved and where the treasury stood before and after, from the vault's event.
fn treasury(moved: &starkrisk_domain::TreasuryRebalanced) -> Markup {
    let rows = [
        (
            "JediSwap strategy",
            moved.before.jediswap,
            moved.jediswap_withdrawn,
            moved.jediswap_deposited,
            moved.after.jediswap,
        ),
        ("Ekubo strategy", moved.before.ekubo, moved.ekubo_withdrawn, moved.ekubo_deposited, moved.after.ekubo),
    ];
    html! {
        section aria-labelledby="treasury" {
            h2 id="treasury" { "Treasury moved" }
            div.scroll { table id="treasury-moved" {
                caption { "In the token's base units, as the AllocationVault's TreasuryRebalanced event recorded them" }
                thead { tr { th scope="col" { "Holder" } th scope="col" { "Before" } th scope="col" { "Withdrawn" }
                    th scope="col" { "Deposited" } th scope="col" { "After" } } }
                tbody {
                    @for (holder, before, out, into, after) in rows {
                        tr { th scope="row" { (holder) } td { (before) } td { (out) } td { (into) } td { (after) } }
                    }
                    tr { th scope="row" { "Idle in the vault" } td { (moved.before.idle) } td { "" } td { "" } td { (moved.after.idle) } }
                }
            } }
        }
    }
}

fn fact_badge(
    fact: Option<&str>,
    registration: Option<&RegistrationView>,
    on_chain: Option<Result<VerificationReport, String>>,
) -> Markup {
    let Some(fact) = fact else {
        return html! { (badge("wait", "No on-chain fact")) };
    };
    // Explorers and Integrity's tools take the fact as 64 hex digits.
    let link_ready = format!("0x{:0>64}", fact.trim_start_matches("0x"));
    // A stand-in's record is the operator's word, whatever the registry answers about it.
    if let Some(attested) = registration.filter(|r| !r.checked_by.starts_with("verified")) {
        return html! { (badge("wait", "Operator-attested fact")) " " code { (link_ready) } " · " (attested.checked_by) };
    }
    let sent = registration.map(|r| r.transactions.len()).filter(|n| *n > 0);
    html! {

        @match on_chain.as_ref().map(|r| r.as_ref().map(|r| r.on_chain.as_ref())) {
            Some(Ok(Some(report))) => {
                @match &report.accepted {
                    Some(v) => {
                        (badge("ok", "Integrity fact")) " " code { (link_ready) } " · "
                        (v.verifier_config.layout) "/" (v.verifier_config.hasher) "/" (v.verifier_config.stone_version) "/"
                        (v.verifier_config.memory_verification) " · " (v.security_bits) " bits"
                        @if let Some(n) = sent { " · registered in " (n) @if n == 1 { " transaction" } @else { " transactions" } }
                    }
                    None => { (badge("bad", "Fact not verified on chain")) " " code { (link_ready) } }
                }
            }
            Some(Err(error)) => { (badge("wait", "Fact")) " " code { (link_ready) } " (the chain could not be read: " (error) ")" }
            _ => { (badge("wait", "Fact")) " " code { (link_ready) } " (no FactRegistry is configured to check it)" }
        }
    }
}

fn actions(session: &Session, view: &DecisionView, job: Option<&ProofJobView>) -> Markup {
    // The domain's rules, as the API states them (`awaits_execution`, `retryable`), and the visitor's role.
    let executable = view.awaits_execution && session.can(Role::Operator);
    let retryable = job.filter(|j| j.retryable == Some(true) && session.can(Role::Admin));
    html! {
        @if executable || retryable.is_some() {
            section.actions aria-label="Actions" {
                @if executable {
                    form method="post" action=(format!("/dashboard/decisions/{}/execute", view.decision_id)) {
                        input type="hidden" name="csrf" value=(session.csrf);
                        button type="submit" id="execute" { "Execute on chain" }
                    }
                }
                @if let Some(job) = retryable {
                    form method="post" action=(format!("/dashboard/proofs/{}/retry", job.proof_job_id)) {
                        input type="hidden" name="csrf" value=(session.csrf);
                        button type="submit" id="retry" { "Retry from " (job.failed_stage.clone().unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// A metric's name, how to read it from a protocol's metrics, and its unit.
type MetricRow = (&'static str, fn(&RiskMetrics) -> u64, &'static str);

fn numbers(view: &DecisionView) -> Markup {
    let metric_rows: [MetricRow; 5] = [
        ("Utilization", |m| m.utilization, " bps"),
        ("Volatility", |m| m.volatility, " bps"),
        ("Liquidity tier", |m| m.liquidity, ""),
        ("Audit score", |m| m.audit_score, ""),
        ("Age", |m| m.age_days, " days"),
    ];
    html! {
        section aria-labelledby="numbers" {
            h2 id="numbers" { "Numbers" }
            div.scroll { table {
                caption { "Inputs and results, as the proof states them" }
                thead { tr { th scope="col" { "" } th scope="col" { "JediSwap" } th scope="col" { "Ekubo" } } }
                tbody {
                    @for (name, get, unit) in metric_rows {
                        tr { th scope="row" { (name) } td { (get(&view.jediswap_metrics)) (unit) } td { (get(&view.ekubo_metrics)) (unit) } }
                    }
                    tr { th scope="row" { "APY" } td { (percent(view.jediswap_apy)) } td { (percent(view.ekubo_apy)) } }
                    tr { th scope="row" { "Risk" } td id="jediswap-risk" { (view.jediswap_risk) } td id="ekubo-risk" { (view.ekubo_risk) } }
                    tr { th scope="row" { "Share" } td id="jediswap-share" { (percent(view.jediswap_pct)) } td { (percent(view.ekubo_pct)) } }
                }
            } }
            p {
                "Metrics: " strong { (view.metrics_source) }
                @if let Some(block) = view.snapshot_block { " · chain block " (block) }
                " · snapshot " (hash_or_dash(view.snapshot_hash.as_deref()))
            }
        }
    }
}

fn timeline(job: &ProofJobView) -> Markup {
    html! {
        section aria-labelledby="timeline" {
            h2 id="timeline" { "Proof job " (short(&job.proof_job_id.to_string())) " " (badge(tone(&job.status), &job.status)) }
            ol.timeline {
                li { (when(job.created_at)) " queued" }
                @for a in &job.attempts {
                    li.attempt {
                        (when(a.started_at)) " " strong { (a.prover) } " "
                        (badge(if a.outcome == "succeeded" { "ok" } else { "bad" }, &a.outcome))
                        " after " (a.duration_ms) " ms"
                        @if let Some(m) = &a.message { " — " (m) }
                    }
                }
                @for r in &job.resumptions {
                    li { (when(r.at)) " resumed by " (r.by) " from " (r.stage) " (" (r.reason) ")" }
                }
                @if let Some(error) = &job.error { li { (badge("bad", "failed")) " " (error) } }
                li { (when(job.updated_at)) " last change: " (job.status) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use starkrisk_domain::usecases::{FactReport, JudgedVerification, VerificationReport};
    use starkrisk_domain::*;

    use super::{chain_checks, fact_badge};
    use crate::http::dto::ChainChecksView;
    use crate::http::job_view::RegistrationView;

    fn report(verified: bool) -> VerificationReport {
        let config = VerifierConfig::starkrisk();
        let verification = FactVerification {
            verification_hash: VerificationHash::new(Felt::from(7u8)),
            security_bits: 96,
            verifier_config: config.clone(),
        };
        VerificationReport {
            proof_job_id: ProofJobId(uuid::Uuid::nil()),
            status: ProofJobStatus::Registered,
            local: None,
            on_chain: Some(FactReport {
                fact_hash: FactHash::new(Felt::from(0xabcu16)),
                verifications: vec![JudgedVerification { verification: verification.clone(), meets_policy: verified }],
                accepted: verified.then_some(verification),
                meets_policy: verified,
                policy: FactPolicy { expected_config: config, min_security_bits: 96 },
            }),
        }
    }

    #[test]
    fn the_fact_badge_says_what_the_chain_holds() {
        let padded = format!("0x{}abc", "0".repeat(61));
        let accepted = fact_badge(Some("0xabc"), None, Some(Ok(report(true)))).into_string();
        assert!(accepted.contains("Integrity fact") && accepted.contains(&padded), "{accepted}");
        assert!(
            accepted.contains("recursive/keccak_160_lsb/stone6/strict") && accepted.contains("96 bits"),
            "{accepted}"
        );
        let unmet = fact_badge(Some("0xabc"), None, Some(Ok(report(false)))).into_string();
        assert!(unmet.contains("Fact not verified on chain"), "{unmet}");
        let down = fact_badge(Some("0xabc"), None, Some(Err("timed out".into()))).into_string();
        assert!(down.contains("could not be read: timed out"), "{down}");
        assert!(fact_badge(Some("0xabc"), None, None).into_string().contains("no FactRegistry"));
        assert!(fact_badge(None, None, None).into_string().contains("No on-chain fact"));
    }

    fn registration(attested_by_operator: bool, transactions: usize) -> RegistrationView {
        RegistrationView::new(&FactRegistration {
            fact_hash: FactHash::new(Felt::from(0xabcu16)),
            verification_hash: VerificationHash::new(Felt::from(7u8)),
            security_bits: 96,
            tx_hash: None,
            transactions: (1..=transactions).map(|n| TxHash::new(Felt::from(n))).collect(),
            attested_by_operator,
        })
    }

    #[test]
    fn the_fact_badge_tells_an_operators_word_from_integritys_and_counts_the_transactions() {
        let split = fact_badge(Some("0xabc"), Some(&registration(false, 5)), Some(Ok(report(true)))).into_string();
        assert!(split.contains("Integrity fact") && split.contains("registered in 5 transactions"), "{split}");
        // The stand-in's registry answers that it holds the fact, but the page does not call it verified.
        let attested = fact_badge(Some("0xabc"), Some(&registration(true, 1)), Some(Ok(report(true)))).into_string();
        assert!(attested.contains("attested by the operator, not verified on chain"), "{attested}");
        assert!(!attested.contains("Integrity fact"), "{attested}");
    }

    #[test]
    fn the_page_lists_what_the_vault_checked_and_says_when_the_chain_checked_nothing() {
        let check = |rule: ChainRule| ChainCheck { rule, outcome: format!("{rule} held") };
        let vault = ChainChecksView::new(&ChainChecked::ByTheVault(ChainRule::ALL.map(check).to_vec()));
        let page = chain_checks(&vault).into_string();
        for rule in ChainRule::ALL {
            assert!(page.contains(&format!("id=\"check-{rule}\"")) && page.contains(&format!("{rule} held")), "{page}");
        }
        let counter = chain_checks(&ChainChecksView::new(&ChainChecked::Unchecked)).into_string();
        assert!(counter.contains("Not checked") && !counter.contains("check-fact"), "{counter}");
        let pending = chain_checks(&ChainChecksView::new(&ChainChecked::NotYet)).into_string();
        assert!(pending.contains("Nothing yet"), "{pending}");
    }

    #[test]
    fn the_treasury_section_shows_every_amount_moved_and_both_balances_exactly() {
        let moved = TreasuryRebalanced {
            jediswap_withdrawn: 30_000_000_000_000_000_000,
            jediswap_deposited: 0,
            ekubo_withdrawn: 0,
            ekubo_deposited: 30_000_000_000_000_000_000,
            before: TreasuryBalances {
                idle: 1,
                jediswap: 60_000_000_000_000_000_000,
                ekubo: 40_000_000_000_000_000_000,
            },
            after: TreasuryBalances {
                idle: 1,
                jediswap: 30_000_000_000_000_000_000,
                ekubo: 70_000_000_000_000_000_000,
            },
        };
        let html = super::treasury(&moved).into_string();
        let row = |holder: &str, cells: [&str; 4]| {
            format!(
                "<th scope=\"row\">{holder}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                cells[0], cells[1], cells[2], cells[3]
            )
        };
        let (e19x3, e19x4, e19x6, e19x7) =
            ("30000000000000000000", "40000000000000000000", "60000000000000000000", "70000000000000000000");
        assert!(html.contains(&row("JediSwap strategy", [e19x6, e19x3, "0", e19x3])), "{html}");
        assert!(html.contains(&row("Ekubo strategy", [e19x4, "0", e19x3, e19x7])), "{html}");
        assert!(html.contains(&row("Idle in the vault", ["1", "", "", "1"])), "{html}");
    }
}
