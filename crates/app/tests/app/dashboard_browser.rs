//! The dashboard as an operator uses it, in headless Chromium against `starkrisk serve` on the real
//! Postgres and devnet: sent to sign in, signed in with a token, a decision made through the API appears
//! in the list without a reload, its page shows badges and the proof's timeline, the Execute button
//! executes it under manual execution, the pages read at 1280 px and at phone width, and signing out
//! ends the session. Screenshots of each page are saved under `target/dashboard-screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::browser;
use crate::e2e;

use std::path::PathBuf;

use browser::Browser;
use e2e::World;
use starkrisk_app::Role;
use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::Devnet;

fn shots() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; the screenshots sit beside it, under target/.
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("dashboard-screenshots")
}

/// WCAG contrast of every badge, button, link and paragraph against what is behind it; the lowest ratio.
const LOWEST_CONTRAST: &str = r#"
const lum = c => { const [r, g, b] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map(v => {
  v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const behind = e => { for (let n = e; n; n = n.parentElement) { const bg = getComputedStyle(n).backgroundColor;
  if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg; } return 'rgb(255, 255, 255)'; };
let lowest = 21;
for (const e of document.querySelectorAll('.badge, button, a, p, td, th, label, caption')) {
  if (!e.offsetParent) continue;
  const [a, b] = [lum(getComputedStyle(e).color), lum(behind(e))];
  lowest = Math.min(lowest, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
}
return lowest;"#;

/// Whether every visible form control has a label, and nothing is wider than the window.
const LABELLED_AND_FITS: &str = r#"
const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select')]
  .filter(e => !e.labels || e.labels.length === 0).map(e => e.id || e.name);
const wide = [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => !e.parentElement.closest('.scroll') || getComputedStyle(e).position === 'absolute')
  .map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
return { unlabelled, fits: document.documentElement.scrollWidth <= window.innerWidth, wide };"#;

async fn check_legible(browser: &Browser, page: &str) {
    let contrast = browser.script(LOWEST_CONTRAST).await.as_f64().unwrap();
    assert!(contrast >= 4.5, "{page}: some text has contrast {contrast:.2} < 4.5");
    let layout = browser.script(LABELLED_AND_FITS).await;
    assert_eq!(layout["unlabelled"], serde_json::json!([]), "{page}: controls without labels");
    assert_eq!(layout["fits"], true, "{page}: wider than the window: {}", layout["wide"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_follows_and_executes_a_decision_in_the_dashboard() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone(), e2e::Registry::StandIn).await;
    let service = world.serve_with(&[("STARKRISK__PIPELINE__EXECUTION", "manual")]).await;
    let browser = Browser::start(&shots()).await;
    let dashboard = format!("{}/dashboard", service.base);

    // Not signed in: sent to sign in. A wrong token is refused with a message.
    browser.goto(&format!("{dashboard}/decisions")).await;
    assert!(browser.url().await.ends_with("/dashboard/sign-in"), "{}", browser.url().await);
    let token = browser.wait_for("#token", 5).await;
    browser.type_into(&token, "not-a-token").await;
    browser.click(&browser.wait_for("#sign-in", 5).await).await;
    browser.wait_for_text("#sign-in-error", "not accepted", 5).await;
    browser.screenshot("1-sign-in").await;
    check_legible(&browser, "sign in").await;

    // Signed in as an operator: the decisions, and the cookie is HttpOnly, SameSite=Strict, dashboard-only.
    let token = browser.wait_for("#token", 5).await;
    browser.type_into(&token, &service.token_as(Role::Operator)).await;
    browser.click(&browser.wait_for("#sign-in", 5).await).await;
    browser.wait_for("#decisions", 5).await;
    assert!(browser.url().await.ends_with("/dashboard/decisions"));
    let cookies = browser.cookies().await;
    let session = cookies.iter().find(|c| c["name"] == "starkrisk_session").expect("the session cookie");
    assert_eq!((session["httpOnly"].clone(), session["sameSite"].clone()), (true.into(), "Strict".into()), "{session}");
    assert_eq!(session["path"], "/dashboard");

    // Keyboard: the first Tab reaches the skip link.
    browser.press_tab().await;
    assert_eq!(browser.script("return document.activeElement.className").await, "skip");

    // A decision made through the API appears in the open list without a reload.
    browser.script("window.notReloaded = true; return true").await;
    let id = service.orchestrate(1).await;
    browser.wait_for(&format!("#row-{id}"), 20).await;
    assert_eq!(browser.script("return window.notReloaded === true").await, true, "the list updated in place");
    // The charts follow too: one dot per protocol for the one decision.
    browser.wait_for("#risk-chart circle.s2", 5).await;
    assert_eq!(browser.script("return document.querySelectorAll('#risk-chart circle').length").await, 2);
    browser.screenshot("2-decisions").await;
    check_legible(&browser, "decisions").await;

    // Its page: proven and verified locally, waiting for an operator under manual execution.
    browser.click(&browser.wait_for(&format!("#row-{id} a"), 5).await).await;
    let local = browser.wait_for_text("#badge-local", "Verified locally", 30).await;
    assert!(local.contains("stwo") && local.contains("96 bits"), "{local}");
    let timeline = browser.wait_for_text("ol.timeline", "succeeded", 5).await;
    assert!(timeline.contains("luminair") && timeline.contains("queued"), "{timeline}");
    browser.wait_for_text("#badge-executed", "Not executed", 5).await;
    browser.wait_for_text("#jediswap-share", "%", 5).await;
    browser.screenshot("3-decision-verified").await;
    check_legible(&browser, "decision").await;

    // The Execute button executes it; the page follows to the transaction.
    browser.click(&browser.wait_for("#execute", 10).await).await;
    let executed = browser.wait_for_text("#badge-executed", "Executed", 30).await;
    assert!(executed.contains("tx 0x") && executed.contains("in block"), "{executed}");
    let (_, api) = service.get(&format!("/api/v1/risk-engine/decision/{id}")).await;
    assert_eq!(api["status"], "executed");
    assert_eq!(api["execution_requested_by"], "e2e", "the signed-in operator asked for it");
    // The vault executed it and says which of its rules held; its fact is the operator's word (S-two, the
    // stand-in registry), and the page says that too.
    browser.wait_for_text("#chain-checks-by", "The AllocationVault executed it", 5).await;
    assert_eq!(api["chain_checks"]["by"], "vault", "{api}");
    browser.wait_for_text("#badge-fact", "Operator-attested fact", 5).await;
    // What the execution moved: 100 STRK out of idle into both strategies at the proven split.
    let after = &api["execution_treasury"]["after"];
    let moved = browser.wait_for_text("#treasury-moved", "JediSwap strategy", 5).await;
    assert!(moved.contains(after["jediswap"].as_str().unwrap()) && moved.contains("100000000000000000000"), "{moved}");
    browser.screenshot("4-decision-executed").await;
    check_legible(&browser, "decision executed").await;
    // The list charts the treasury per strategy after each execution.
    browser.goto(&format!("{dashboard}/decisions")).await;
    browser.wait_for("#treasury-chart", 5).await;
    assert_eq!(browser.script("return document.querySelectorAll('#treasury-chart circle').length").await, 3);
    let title = browser.script("return document.querySelector('#treasury-chart title').textContent").await;
    assert!(title.as_str().unwrap().contains("JediSwap strategy latest"), "{title}");

    // Health: Postgres, the chain, the model, the queue and the provers.
    browser.goto(&format!("{dashboard}/health")).await;
    browser.wait_for_text("#health-postgres", "Postgres ready", 5).await;
    browser.wait_for_text("#health-chain", "Chain reachable", 5).await;
    browser.wait_for_text("#health-model", "Active model v1", 5).await;
    let provers = browser.wait_for_text("#prover-table", "luminair", 5).await;
    assert!(provers.contains("succeeded"), "{provers}");
    browser.screenshot("5-health").await;
    check_legible(&browser, "health").await;

    // A phone-width window: the same pages fit it.
    browser.resize(390, 844).await;
    browser.goto(&format!("{dashboard}/decisions")).await;
    browser.wait_for(&format!("#row-{id}"), 5).await;
    browser.screenshot("6-decisions-phone").await;
    check_legible(&browser, "decisions on a phone").await;
    browser.goto(&format!("{dashboard}/decisions/{id}")).await;
    browser.wait_for("#badge-executed", 5).await;
    browser.screenshot("7-decision-phone").await;
    check_legible(&browser, "decision on a phone").await;

    // Signing out ends the session: the dashboard sends the visitor to sign in again.
    browser.click(&browser.wait_for("#sign-out", 5).await).await;
    browser.wait_for("#token", 5).await;
    assert!(browser.cookies().await.iter().all(|c| c["name"] != "starkrisk_session"), "the cookie is cleared");
    browser.goto(&format!("{dashboard}/decisions/{id}")).await;
    assert!(browser.url().await.ends_with("/dashboard/sign-in"));
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_refuses_forged_forms_and_roles_it_does_not_grant() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let world = World::new(devnet, db.url.clone()).await;
    let service = world.serve_with(&[("STARKRISK__PIPELINE__EXECUTION", "manual")]).await;
    let id = service.orchestrate(2).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let execute = format!("{}/dashboard/decisions/{id}/execute", service.base);
    let with = |role: Role| format!("starkrisk_session={}", service.token_as(role));

    // No session: sent to sign in, nothing executed.
    let answer = http.post(&execute).form(&[("csrf", "x")]).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(answer.headers()["location"], "/dashboard/sign-in");
    // A session but a forged CSRF token (what another site's form would send): 403.
    let answer = http
        .post(&execute)
        .header("cookie", with(Role::Operator))
        .form(&[("csrf", "0".repeat(32))])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(answer.text().await.unwrap().contains("reload the page"));
    // A viewer with the right CSRF token still may not execute.
    let page = http
        .get(format!("{}/dashboard/decisions/{id}", service.base))
        .header("cookie", with(Role::Viewer))
        .send()
        .await
        .unwrap();
    let headers = page.headers().clone();
    let html = page.text().await.unwrap();
    assert!(headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert!(!html.contains("id=\"execute\""), "viewers get no Execute button");
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let answer = http.post(&execute).header("cookie", with(Role::Viewer)).form(&[("csrf", csrf)]).send().await.unwrap();
    assert_eq!(answer.status(), 403);
    let (_, decision) = service.get(&format!("/api/v1/risk-engine/decision/{id}")).await;
    assert!(decision["execution_requested_by"].is_null(), "nothing was executed: {decision}");
    // A bad filter names the field.
    let listed = http
        .get(format!("{}/dashboard/decisions?status=sideways", service.base))
        .header("cookie", with(Role::Viewer))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 422);
    assert!(listed.text().await.unwrap().contains("status: `sideways` is not a decision status"));
}
