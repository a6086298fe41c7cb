//! Charts drawn on the server as SVG: lines over time and grouped bars, with a text alternative each.

use maud::{Markup, html};

const WIDTH: u32 = 640;
const HEIGHT: u32 = 220;
const LEFT: u32 = 48;
const RIGHT: u32 = 12;
const TOP: u32 = 12;
const BOTTOM: u32 = 28;

/// One line of a chart: its name, its CSS class (which sets its colour) and its values, oldest first.
pub struct Series<'a> {
    /// Shown in the legend.
    pub label: &'a str,
    /// `s1`, `s2`…: the stylesheet's colours, chosen to be told apart without colour vision too (dashes).
    pub class: &'a str,
    /// The values.
    pub values: Vec<u32>,
}

/// Where value `v` of `max` sits on the plot's vertical axis.
fn y_of(v: u32, max: u32) -> f64 {
    let plot = f64::from(HEIGHT - TOP - BOTTOM);
    f64::from(TOP) + plot - plot * f64::from(v.min(max)) / f64::from(max.max(1))
}

/// Where point `i` of `n` sits on the horizontal axis.
fn x_of(i: usize, n: usize) -> f64 {
    let plot = f64::from(WIDTH - LEFT - RIGHT);
    if n <= 1 { f64::from(LEFT) + plot / 2.0 } else { f64::from(LEFT) + plot * i as f64 / (n - 1) as f64 }
}

/// The `points` attribute of a polyline through `values`.
pub fn points(values: &[u32], max: u32) -> String {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x_of(i, values.len()), y_of(*v, max)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A line chart of `series` between 0 and `max`, labelled `title`; `unit` follows the axis numbers.
pub fn lines(id: &str, title: &str, max: u32, unit: &str, series: &[Series<'_>]) -> Markup {
    let empty = series.iter().all(|s| s.values.is_empty());
    let summary: Vec<String> =
        series.iter().filter_map(|s| s.values.last().map(|last| format!("{} latest {last}{unit}", s.label))).collect();
    html! {
        figure.chart {
            svg id=(id) viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-labelledby=(format!("{id}-title")) {
                title id=(format!("{id}-title")) { (title) ": " (if empty { "no data yet".to_string() } else { summary.join(", ") }) }
                @for tick in [0, max / 2, max] {
                    line.grid x1=(LEFT) x2=(WIDTH - RIGHT) y1=(format!("{:.1}", y_of(tick, max))) y2=(format!("{:.1}", y_of(tick, max))) {}
                    text.axis x=(LEFT - 6) y=(format!("{:.1}", y_of(tick, max) + 4.0)) text-anchor="end" { (tick) (unit) }
                }
                @for s in series {
                    polyline class=(format!("line {}", s.class)) points=(points(&s.values, max)) {}
                    // A dot on every value, so a single decision still shows.
                    @for (i, v) in s.values.iter().enumerate() {
                        circle class=(format!("dot {}", s.class)) r="3.5"
                            cx=(format!("{:.1}", x_of(i, s.values.len()))) cy=(format!("{:.1}", y_of(*v, max))) {}
                    }
                }
                @if empty {
                    text.axis x=(WIDTH / 2) y=(HEIGHT / 2) text-anchor="middle" { "No decisions yet" }
                }
            }
            figcaption {
                (title)
                @for s in series { " " span class=(format!("key {}", s.class)) { (s.label) } }
            }
        }
    }
}

/// A bar chart: for each group (a prover) one bar per named value (p50, p90, p99), up to the largest.
pub fn bars(id: &str, title: &str, unit: &str, groups: &[(String, Vec<(&str, u64)>)]) -> Markup {
    let max = groups.iter().flat_map(|(_, bars)| bars.iter().map(|(_, v)| *v)).max().unwrap_or(0).max(1);
    let per_group = f64::from(WIDTH - LEFT - RIGHT) / groups.len().max(1) as f64;
    let plot = f64::from(HEIGHT - TOP - BOTTOM);
    html! {
        figure.chart {
            svg id=(id) viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-labelledby=(format!("{id}-title")) {
                title id=(format!("{id}-title")) {
                    (title) ": "
                    @for (name, bars) in groups {
                        (name) " " @for (label, v) in bars { (label) " " (v) (unit) " " }
                    }
                }
                @for (g, (name, bars)) in groups.iter().enumerate() {
                    @let width = per_group / (bars.len() as f64 + 1.0);
                    @for (b, (label, v)) in bars.iter().enumerate() {
                        @let height = plot * (*v as f64) / (max as f64);
                        @let x = f64::from(LEFT) + per_group * g as f64 + width * (b as f64 + 0.5);
                        rect class=(format!("bar s{}", b + 1)) x=(format!("{x:.1}")) y=(format!("{:.1}", f64::from(TOP) + plot - height))
                            width=(format!("{:.1}", width * 0.9)) height=(format!("{height:.1}")) {}
                        text.axis x=(format!("{:.1}", x + width * 0.45)) y=(format!("{:.1}", f64::from(TOP) + plot - height - 3.0))
                            text-anchor="middle" { (label) " " (v) }
                    }
                    text.axis x=(format!("{:.1}", f64::from(LEFT) + per_group * (g as f64 + 0.5))) y=(HEIGHT - 8) text-anchor="middle" { (name) }
                }
            }
            figcaption { (title) " (" (unit) ")" }
        }
    }
}

/// The power of ten token amounts up to `largest` are divided by to plot them (at most a million on the
/// axis), and the unit that says so.
pub fn amount_scale(largest: u128) -> (u128, String) {
    let mut scale = 1u128;
    let mut exponent = 0;
    while largest / scale > 1_000_000 {
        scale *= 10;
        exponent += 1;
    }
    (scale, if exponent == 0 { String::new() } else { format!(" ×10^{exponent}") })
}

/// `amount` divided by `scale`, as the charts take it (a scale from [`amount_scale`] keeps it below 10^6).
pub fn scaled(amount: u128, scale: u128) -> u32 {
    u32::try_from(amount / scale.max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_are_scaled_by_a_power_of_ten_into_the_axis() {
        assert_eq!(amount_scale(999_999), (1, String::new()));
        let (scale, unit) = amount_scale(100_000_000_000_000_000_000);
        assert_eq!((scale, unit.as_str()), (100_000_000_000_000, " ×10^14"));
        assert_eq!(scaled(59_720_000_000_000_000_000, scale), 597_200);
        assert_eq!(scaled(u128::MAX, 1), u32::MAX);
    }

    #[test]
    fn points_span_the_plot_from_bottom_to_top() {
        assert_eq!(points(&[0, 10_000], 10_000), "48.0,192.0 628.0,12.0");
        assert_eq!(points(&[5_000], 10_000), "338.0,102.0", "a single point sits in the middle");
        assert_eq!(points(&[20_000], 10_000), "338.0,12.0", "values past the axis are drawn at its top");
        assert_eq!(points(&[], 100), "");
    }

    #[test]
    fn charts_describe_themselves_and_escape_labels() {
        let series = [Series { label: "<JediSwap>", class: "s1", values: vec![10, 35] }];
        let svg = lines("risk", "Risk", 100, "", &series).into_string();
        assert!(svg.contains("<title id=\"risk-title\">Risk: &lt;JediSwap&gt; latest 35</title>"), "{svg}");
        assert!(!svg.contains("<JediSwap>"));
        let empty = lines("none", "Risk", 100, "", &[Series { label: "x", class: "s1", values: vec![] }]).into_string();
        assert!(empty.contains("No decisions yet") && empty.contains("no data yet"), "{empty}");
        let bars = bars("p", "Prove time", "ms", &[("luminair".into(), vec![("p50", 9), ("p99", 30)])]).into_string();
        assert_eq!(bars.matches("<rect").count(), 2);
        assert!(bars.contains("luminair p50 9ms p99 30ms"), "{bars}");
    }
}
