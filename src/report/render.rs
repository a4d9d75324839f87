//! A [`Report`] as one self-contained HTML page (inline CSS and SVG, no script, no
//! network) and as Markdown (tables, with the charts as SVG files beside it).

use super::bootstrap::{Difference, Estimate};
use super::calibration::Reliability;
use super::document::{ErrorCase, HeadSection, Report};
use super::svg::{self, esc};
use std::fmt::Write;

/// A chart file written next to `report.md`.
pub struct ChartFile {
    pub name: String,
    pub svg: String,
}

const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0 auto; max-width: 1240px; padding: 24px 28px 60px; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.35em; margin-top: 2.2em; border-bottom: 2px solid #0072B2; padding-bottom: .2em; }
h3 { font-size: 1.08em; margin: 1.6em 0 .5em; }
table { border-collapse: collapse; margin: .4em 0 1em; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #999; background: #f4f6f8; }
td.ci { color: #555; font-size: .92em; }
table.metrics th:last-child { text-align: left; }
td.meaning { color: #555; font-size: .92em; text-align: left; }
.meta td, .meta th { text-align: left; border: none; padding: 1px 12px 1px 0; }
.meta th { white-space: nowrap; vertical-align: top; }
.note { color: #444; font-size: .93em; max-width: 60em; }
.charts { display: flex; flex-wrap: wrap; gap: 18px 20px; align-items: flex-start; }
figure { margin: 0 0 1em; }
figcaption { font-size: .9em; color: #444; max-width: 360px; }
svg { max-width: 100%; height: auto; }
.error { border-left: 4px solid #D55E00; padding: 6px 12px; margin: 10px 0; background: #fcfcfc; }
.error .what { font-size: .92em; color: #333; margin-bottom: 4px; }
.error .text { font-size: .95em; }
mark { padding: 0 1px; border-radius: 2px; color: inherit; }
.legend mark { padding: 0 4px; }
nav ul { columns: 2; }
.good { color: #0b6e2e; } .bad { color: #a33; }
"#;

fn pct(v: f64) -> String {
    format!("{v:.3}")
}

fn ci(e: &Estimate) -> String {
    format!("[{:.3}, {:.3}]", e.lo, e.hi)
}

/// The non-empty confidence bins as table cells: range, n, right, wrong, accuracy, mean
/// confidence (the numbers behind the reliability diagram and the histogram).
fn bin_rows(r: &Reliability) -> impl Iterator<Item = [String; 6]> + '_ {
    let opt = |v: Option<f64>| v.map_or(String::new(), pct);
    r.bins.iter().filter(|b| b.n > 0).map(move |b| {
        [
            format!("{:.1}–{:.1}", b.lo, b.hi),
            b.n.to_string(),
            b.correct.to_string(),
            (b.n - b.correct).to_string(),
            opt(b.accuracy),
            opt(b.mean_confidence),
        ]
    })
}

fn anchor(model: usize, head: &str) -> String {
    let clean: String = head
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("m{model}-{clean}")
}

/// Text with each highlighted token tinted: orange toward the (wrong) predicted label,
/// blue against it, stronger for a larger share; the share is in the tooltip.
fn highlighted_html(e: &ErrorCase) -> String {
    let marked = strongest(&e.highlights, 6, 3);
    let max = marked
        .iter()
        .map(|&i| e.highlights[i].2.abs())
        .fold(0f32, f32::max);
    let mut out = String::new();
    let mut pos = 0;
    let text = &e.text;
    for (i, &(a, b, w)) in e.highlights.iter().enumerate() {
        if a < pos || b > text.len() || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        out.push_str(&esc(&text[pos..a]));
        if marked.contains(&i) {
            let strength = if max > 0.0 { w.abs() / max } else { 0.0 };
            let (r, g, bl) = if w > 0.0 { (213, 94, 0) } else { (0, 114, 178) };
            let _ = write!(
                out,
                r#"<mark style="background: rgba({r},{g},{bl},{a:.2})" title="{w:+.4}">{t}</mark>"#,
                a = 0.18 + 0.55 * strength,
                t = esc(&text[a..b])
            );
        } else {
            out.push_str(&esc(&text[a..b]));
        }
        pos = b;
    }
    out.push_str(&esc(&text[pos..]));
    out
}

/// Indices of the `pro` tokens with the largest positive weight and the `con` with the
/// most negative, ignoring any under a fifth of the strongest: a few marks a reader can
/// follow rather than a tinted page.
fn strongest(h: &[(usize, usize, f32)], pro: usize, con: usize) -> Vec<usize> {
    let max = h.iter().map(|x| x.2.abs()).fold(0f32, f32::max);
    let mut idx: Vec<usize> = (0..h.len())
        .filter(|&i| max > 0.0 && h[i].2.abs() >= 0.2 * max)
        .collect();
    idx.sort_by(|&a, &b| h[b].2.abs().total_cmp(&h[a].2.abs()));
    let mut out: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|&i| h[i].2 > 0.0)
        .take(pro)
        .collect();
    out.extend(idx.iter().copied().filter(|&i| h[i].2 < 0.0).take(con));
    out
}

/// Text with the five tokens that pushed hardest toward the predicted label in bold.
fn highlighted_md(e: &ErrorCase) -> String {
    let mut top: Vec<&(usize, usize, f32)> = e.highlights.iter().filter(|h| h.2 > 0.0).collect();
    top.sort_by(|a, b| b.2.total_cmp(&a.2));
    top.truncate(5);
    let mut out = String::new();
    let mut pos = 0;
    let text = &e.text;
    for &(a, b, w) in &e.highlights {
        if a < pos || b > text.len() || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        out.push_str(&md_text(&text[pos..a]));
        if top.iter().any(|t| t.0 == a && t.1 == b && t.2 == w) {
            let _ = write!(out, "**{}**", md_text(&text[a..b]));
        } else {
            out.push_str(&md_text(&text[a..b]));
        }
        pos = b;
    }
    out.push_str(&md_text(&text[pos..]));
    out
}

fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '*' | '_' | '`' | '|' | '[' | ']' | '<' | '>' | '#' | '\\' => {
                out.push('\\');
                out.push(c)
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn metric_rows(h: &HeadSection) -> Vec<(&'static str, Option<Estimate>, &'static str)> {
    vec![
        (
            "accuracy",
            Some(h.estimates.accuracy),
            "share of paragraphs labelled right",
        ),
        (
            "macro-F1",
            Some(h.estimates.macro_f1),
            "mean of per-class F1",
        ),
        (
            "F_avg",
            h.estimates.f_avg,
            "mean F1 of favor and against (SemEval-2016)",
        ),
    ]
}

fn head_html(out: &mut String, h: &HeadSection, model: usize, of: Option<&str>, level: f64) {
    let lvl = (level * 100.0).round();
    let _ = write!(
        out,
        r#"<section class="head" id="{id}" data-head="{name}"><h2>Head <code>{name}</code>{of} <small>(n = {n}{ab})</small></h2>"#,
        of = of.map_or(String::new(), |m| format!(" of {}", esc(m))),
        id = anchor(model, &h.name),
        name = esc(&h.name),
        n = h.n,
        ab = if h.abstained > 0 {
            format!(", {} abstained and left out", h.abstained)
        } else {
            String::new()
        }
    );
    let _ = write!(
        out,
        r#"<h3>Metrics</h3><table class="metrics" data-head="{name}"><thead><tr><th>metric</th><th>value</th><th>{lvl}% interval</th><th>meaning</th></tr></thead><tbody>"#,
        name = esc(&h.name)
    );
    for (name, e, meaning) in metric_rows(h) {
        match e {
            Some(e) => {
                let _ = write!(
                    out,
                    r#"<tr><td>{name}</td><td><b>{v}</b></td><td class="ci">{c}</td><td class="meaning">{meaning}</td></tr>"#,
                    v = pct(e.value),
                    c = ci(&e)
                );
            }
            None => {
                let _ = write!(
                    out,
                    r#"<tr><td>{name}</td><td>n/a</td><td class="ci"></td><td class="meaning">labels lack favor/against</td></tr>"#
                );
            }
        }
    }
    out.push_str("</tbody></table>");
    let _ = write!(
        out,
        r#"<table class="per-class" data-head="{name}"><thead><tr><th>label</th><th>precision</th><th>{lvl}% interval</th><th>recall</th><th>{lvl}% interval</th><th>F1</th><th>{lvl}% interval</th><th>support</th></tr></thead><tbody>"#,
        name = esc(&h.name)
    );
    for (c, l) in h.labels.iter().enumerate() {
        let e = &h.estimates.per_class[c];
        let _ = write!(
            out,
            r#"<tr><td>{l}</td><td>{p}</td><td class="ci">{pc}</td><td>{r}</td><td class="ci">{rc}</td><td><b>{f}</b></td><td class="ci">{fc}</td><td>{s}</td></tr>"#,
            l = esc(l),
            p = pct(e.precision.value),
            pc = ci(&e.precision),
            r = pct(e.recall.value),
            rc = ci(&e.recall),
            f = pct(e.f1.value),
            fc = ci(&e.f1),
            s = h.support[c]
        );
    }
    out.push_str("</tbody></table>");
    out.push_str(r#"<h3>Where it goes wrong, and how sure it is</h3><div class="charts">"#);
    let _ = write!(
        out,
        "<figure>{}<figcaption>Confusion matrix. Rows are gold labels, columns predicted; colour and percentage are the share of the gold row, so the diagonal reads as recall.</figcaption></figure>",
        svg::confusion(&h.labels, &h.confusion)
    );
    let _ = write!(
        out,
        "<figure>{}<figcaption>Reliability: bars are the accuracy of the paragraphs in each confidence bin (count above the bar); the orange box is the gap to their mean confidence. On the dashed diagonal a confidence of 0.8 would be right 80% of the time. Expected calibration error (ECE) {:.3}; largest bin gap {:.3}.</figcaption></figure>",
        svg::reliability(&h.calibration),
        h.calibration.ece,
        h.calibration.mce
    );
    let _ = write!(
        out,
        "<figure>{}<figcaption>Confidence of right (blue) and wrong (orange) answers. Wrong answers at high confidence are the ones a reader would trust by mistake.</figcaption></figure>",
        svg::histogram(&h.calibration)
    );
    out.push_str("</div>");
    // The charts' per-bin numbers as text (plotters draws no hover tooltips).
    out.push_str(r#"<details><summary>Confidence bins as numbers</summary><table class="bins"><thead><tr><th>confidence</th><th>n</th><th>right</th><th>wrong</th><th>accuracy</th><th>mean confidence</th></tr></thead><tbody>"#);
    for row in bin_rows(&h.calibration) {
        let _ = write!(out, "<tr><td>{}</td></tr>", row.join("</td><td>"));
    }
    out.push_str("</tbody></table></details>");
    if let Some(col) = &h.group_column {
        let _ = write!(
            out,
            r#"<h3>By <code>{c}</code></h3><table class="groups" data-head="{name}"><thead><tr><th>{c}</th><th>n</th><th>accuracy</th><th>{lvl}% interval</th><th>macro-F1</th><th>{lvl}% interval</th><th>F_avg</th><th>{lvl}% interval</th></tr></thead><tbody>"#,
            c = esc(col),
            name = esc(&h.name)
        );
        for g in &h.groups {
            let e = &g.estimates;
            let _ = write!(
                out,
                r#"<tr><td>{gname}</td><td>{n}</td><td>{a}</td><td class="ci">{ac}</td><td>{m}</td><td class="ci">{mc}</td>{f}</tr>"#,
                gname = esc(&g.group),
                n = g.n,
                a = pct(e.accuracy.value),
                ac = ci(&e.accuracy),
                m = pct(e.macro_f1.value),
                mc = ci(&e.macro_f1),
                f = e.f_avg.map_or(
                    r#"<td>n/a</td><td class="ci"></td>"#.to_string(),
                    |f| format!(r#"<td>{}</td><td class="ci">{}</td>"#, pct(f.value), ci(&f))
                )
            );
        }
        out.push_str("</tbody></table>");
        let rows: Vec<(String, u64, Estimate)> = h
            .groups
            .iter()
            .map(|g| (g.group.clone(), g.n, g.estimates.macro_f1))
            .collect();
        let _ = write!(
            out,
            "<figure>{}<figcaption>Macro-F1 per {c} with its {lvl}% interval; the dashed line is the whole data set. Small groups have wide intervals: do not read much into their differences.</figcaption></figure>",
            svg::forest("macro-F1", &rows, h.estimates.macro_f1.value),
            c = esc(col)
        );
    }
    let _ = write!(
        out,
        r#"<h3>Most confident errors ({n})</h3><p class="note legend">Highlighted words carry the model's decision: <mark style="background: rgba(213,94,0,.6)">orange</mark> pushed toward the wrong predicted label, <mark style="background: rgba(0,114,178,.6)">blue</mark> against it; darker is stronger (hover for the share of the score).</p><div class="errors" data-head="{name}">"#,
        n = h.errors.len(),
        name = esc(&h.name)
    );
    if h.errors.is_empty() {
        out.push_str("<p>No errors.</p>");
    }
    for e in &h.errors {
        let _ = write!(
            out,
            r#"<div class="error"><div class="what">gold <b>{g}</b> · predicted <b class="bad">{p}</b> · confidence {c:.3}{grp} · row {row}{line}</div><div class="text">{t}</div></div>"#,
            g = esc(&e.gold),
            p = esc(&e.predicted),
            c = e.confidence,
            grp = e
                .group
                .as_ref()
                .map_or(String::new(), |g| format!(" · {}", esc(g))),
            row = e.row + 1,
            line = e.line.map_or(String::new(), |l| format!(" (line {l})")),
            t = highlighted_html(e)
        );
    }
    out.push_str("</div></section>");
}

fn diff_cells(d: &Difference) -> String {
    let class = if d.diff.lo > 0.0 {
        "good"
    } else if d.diff.hi < 0.0 {
        "bad"
    } else {
        ""
    };
    format!(
        r#"<td>{a}</td><td>{b}</td><td class="{class}"><b>{d:+.3}</b></td><td class="ci">[{lo:+.3}, {hi:+.3}]</td><td>{p}</td>"#,
        a = pct(d.a),
        b = pct(d.b),
        d = d.diff.value,
        lo = d.diff.lo,
        hi = d.diff.hi,
        p = p_value(d.p_value)
    )
}

fn p_value(p: f64) -> String {
    if p < 0.001 {
        "&lt; 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// The report as one HTML page.
pub fn html(r: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t}</title><style>{CSS}</style></head><body><h1>{t}</h1><table class="meta">"#,
        t = esc(&r.title)
    );
    for (k, v) in &r.meta {
        let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    }
    out.push_str("</table>");
    let _ = write!(
        out,
        r#"<p class="note">Intervals are {lvl}% percentile bootstrap intervals: the paragraphs were resampled with replacement {b} times (seed {s}) and each metric recomputed; an interval is the middle {lvl}% of those values. They show how much a metric would move on another sample of the same size from the same source, not how it would transfer to other sources.</p>"#,
        lvl = (r.level * 100.0).round(),
        b = r.resamples,
        s = r.seed
    );
    out.push_str("<nav><ul>");
    for (m, model) in r.models.iter().enumerate() {
        for h in &model.heads {
            let _ = write!(
                out,
                r##"<li><a href="#{id}">{prefix}{name}</a></li>"##,
                id = anchor(m, &h.name),
                prefix = if r.models.len() > 1 {
                    format!("{}: ", esc(&model.name))
                } else {
                    String::new()
                },
                name = esc(&h.name)
            );
        }
    }
    out.push_str("</ul></nav>");
    if !r.comparisons.is_empty() {
        out.push_str(r#"<section class="comparison"><h2>Model comparison</h2><p class="note">Paired bootstrap over the same resampled paragraphs. Difference = B − A; green when the whole interval is above zero, red when below. The p-value tests “no difference” (resampled differences centred on zero).</p>"#);
        for c in &r.comparisons {
            let _ = write!(
                out,
                r#"<h3>Head <code>{h}</code> (n = {n}): A = {a}, B = {b}</h3><table class="compare" data-head="{h}"><thead><tr><th>metric</th><th>A</th><th>B</th><th>B − A</th><th>{lvl}% interval</th><th>p</th></tr></thead><tbody>"#,
                h = esc(&c.head),
                n = c.n,
                a = esc(&c.a),
                b = esc(&c.b),
                lvl = (r.level * 100.0).round()
            );
            let m = &c.metrics;
            let _ = write!(out, "<tr><td>accuracy</td>{}</tr>", diff_cells(&m.accuracy));
            let _ = write!(out, "<tr><td>macro-F1</td>{}</tr>", diff_cells(&m.macro_f1));
            if let Some(f) = &m.f_avg {
                let _ = write!(out, "<tr><td>F_avg</td>{}</tr>", diff_cells(f));
            }
            out.push_str("</tbody></table>");
        }
        out.push_str("</section>");
    }
    if !r.folds.is_empty() {
        out.push_str(r#"<section class="folds"><h2>Spread over folds</h2><p class="note">The sections below pool every fold's out-of-fold predictions; this table shows how much the metrics varied from fold to fold.</p>"#);
        for (head, rows) in &r.folds {
            let _ = write!(
                out,
                r#"<h3>Head <code>{h}</code></h3><table class="fold-table" data-head="{h}"><thead><tr><th>fold</th><th>n</th><th>accuracy</th><th>macro-F1</th><th>F_avg</th></tr></thead><tbody>"#,
                h = esc(head)
            );
            for f in rows {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    f.fold,
                    f.n,
                    pct(f.accuracy),
                    pct(f.macro_f1),
                    f.f_avg.map_or("n/a".into(), pct)
                );
            }
            let (am, asd) = mean_std(rows.iter().map(|f| f.accuracy));
            let (mm, msd) = mean_std(rows.iter().map(|f| f.macro_f1));
            let fa: Vec<f64> = rows.iter().filter_map(|f| f.f_avg).collect();
            let fcell = if fa.is_empty() {
                "n/a".to_string()
            } else {
                let (m, s) = mean_std(fa.into_iter());
                format!("{} ± {}", pct(m), pct(s))
            };
            let _ = write!(
                out,
                "<tr><th>mean ± sd</th><th></th><th>{} ± {}</th><th>{} ± {}</th><th>{}</th></tr></tbody></table>",
                pct(am),
                pct(asd),
                pct(mm),
                pct(msd),
                fcell
            );
        }
        out.push_str("</section>");
    }
    for (m, model) in r.models.iter().enumerate() {
        let of = (r.models.len() > 1).then_some(model.name.as_str());
        for h in &model.heads {
            head_html(&mut out, h, m, of, r.level);
        }
    }
    out.push_str("</body></html>\n");
    out
}

fn mean_std(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = v.collect();
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64;
    (m, var.sqrt())
}

/// The report as Markdown, and the chart files it links to (write them beside it).
pub fn markdown(r: &Report) -> (String, Vec<ChartFile>) {
    let mut out = String::new();
    let mut charts = Vec::new();
    let lvl = (r.level * 100.0).round();
    let _ = writeln!(out, "# {}\n", md_text(&r.title));
    for (k, v) in &r.meta {
        let _ = writeln!(out, "- **{}**: {}", md_text(k), md_text(v));
    }
    let _ = writeln!(
        out,
        "\nIntervals: {lvl}% percentile bootstrap over paragraphs ({} resamples, seed {}).\n",
        r.resamples, r.seed
    );
    for c in &r.comparisons {
        let _ = writeln!(
            out,
            "## Comparison, head `{}` (n = {}): A = {}, B = {}\n\n| metric | A | B | B − A | {lvl}% interval | p |\n|---|---:|---:|---:|---:|---:|",
            c.head, c.n, md_text(&c.a), md_text(&c.b)
        );
        let mut row = |name: &str, d: &Difference| {
            let _ = writeln!(
                out,
                "| {name} | {:.3} | {:.3} | {:+.3} | [{:+.3}, {:+.3}] | {} |",
                d.a,
                d.b,
                d.diff.value,
                d.diff.lo,
                d.diff.hi,
                p_value(d.p_value).replace("&lt;", "<")
            );
        };
        row("accuracy", &c.metrics.accuracy);
        row("macro-F1", &c.metrics.macro_f1);
        if let Some(f) = &c.metrics.f_avg {
            row("F_avg", f);
        }
        out.push('\n');
    }
    for (head, rows) in &r.folds {
        let _ = writeln!(
            out,
            "## Folds, head `{head}`\n\n| fold | n | accuracy | macro-F1 | F_avg |\n|---:|---:|---:|---:|---:|"
        );
        for f in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {:.3} | {:.3} | {} |",
                f.fold,
                f.n,
                f.accuracy,
                f.macro_f1,
                f.f_avg.map_or("n/a".into(), pct)
            );
        }
        out.push('\n');
    }
    for (m, model) in r.models.iter().enumerate() {
        for h in &model.heads {
            let prefix = if r.models.len() > 1 {
                format!("{}: ", md_text(&model.name))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "## {prefix}head `{}` (n = {}{})\n",
                h.name,
                h.n,
                if h.abstained > 0 {
                    format!(", {} abstained", h.abstained)
                } else {
                    String::new()
                }
            );
            let _ = writeln!(out, "| metric | value | {lvl}% interval |\n|---|---:|---:|");
            for (name, e, _) in metric_rows(h) {
                match e {
                    Some(e) => {
                        let _ = writeln!(out, "| {name} | {:.3} | {} |", e.value, ci(&e));
                    }
                    None => {
                        let _ = writeln!(out, "| {name} | n/a | labels lack favor/against |");
                    }
                }
            }
            let _ = writeln!(
                out,
                "\n| label | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|"
            );
            for (c, l) in h.labels.iter().enumerate() {
                let e = &h.estimates.per_class[c];
                let _ = writeln!(
                    out,
                    "| {} | {:.3} {} | {:.3} {} | {:.3} {} | {} |",
                    md_text(l),
                    e.precision.value,
                    ci(&e.precision),
                    e.recall.value,
                    ci(&e.recall),
                    e.f1.value,
                    ci(&e.f1),
                    h.support[c]
                );
            }
            let _ = writeln!(
                out,
                "\nConfusion (rows gold, columns predicted):\n\n| gold \\ predicted | {} |\n|---|{}",
                h.labels.iter().map(|l| md_text(l)).collect::<Vec<_>>().join(" | "),
                "---:|".repeat(h.labels.len())
            );
            for (l, row) in h.labels.iter().zip(&h.confusion) {
                let _ = writeln!(
                    out,
                    "| {} | {} |",
                    md_text(l),
                    row.iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
            }
            let base = anchor(m, &h.name);
            for (kind, svg) in [
                ("confusion", svg::confusion(&h.labels, &h.confusion)),
                ("reliability", svg::reliability(&h.calibration)),
                ("histogram", svg::histogram(&h.calibration)),
            ] {
                let name = format!("{base}-{kind}.svg");
                let _ = write!(out, "\n![{kind}]({name})");
                charts.push(ChartFile { name, svg });
            }
            let _ = writeln!(
                out,
                "\n\nCalibration: ECE {:.3}, largest bin gap {:.3}.\n",
                h.calibration.ece, h.calibration.mce
            );
            out.push_str("| confidence | n | right | wrong | accuracy | mean confidence |\n|---|---:|---:|---:|---:|---:|\n");
            for row in bin_rows(&h.calibration) {
                let _ = writeln!(out, "| {} |", row.join(" | "));
            }
            out.push('\n');
            if let Some(col) = &h.group_column {
                let _ = writeln!(
                    out,
                    "### By `{col}`\n\n| {} | n | accuracy | macro-F1 | F_avg |\n|---|---:|---:|---:|---:|",
                    md_text(col)
                );
                for g in &h.groups {
                    let e = &g.estimates;
                    let _ = writeln!(
                        out,
                        "| {} | {} | {:.3} {} | {:.3} {} | {} |",
                        md_text(&g.group),
                        g.n,
                        e.accuracy.value,
                        ci(&e.accuracy),
                        e.macro_f1.value,
                        ci(&e.macro_f1),
                        e.f_avg
                            .map_or("n/a".into(), |f| format!("{:.3} {}", f.value, ci(&f)))
                    );
                }
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "### Most confident errors ({})\n\nIn bold: the words that pushed hardest toward the wrong label.\n",
                h.errors.len()
            );
            for e in &h.errors {
                let _ = writeln!(
                    out,
                    "- gold **{}**, predicted **{}**, confidence {:.3}{} (row {}{}): {}",
                    md_text(&e.gold),
                    md_text(&e.predicted),
                    e.confidence,
                    e.group
                        .as_ref()
                        .map_or(String::new(), |g| format!(", {}", md_text(g))),
                    e.row + 1,
                    e.line.map_or(String::new(), |l| format!(", line {l}")),
                    highlighted_md(e)
                );
            }
            out.push('\n');
        }
    }
    (out, charts)
}
