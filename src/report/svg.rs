//! Charts as hand-written SVG: a confusion heat map, a reliability diagram, a confidence
//! histogram and a forest plot of group intervals. Plain SVG text (no fonts to embed, no
//! script) keeps the report one self-contained file that any browser shows as is, and
//! every number drawn is also written as text or in a `<title>` tooltip.

use super::bootstrap::Estimate;
use super::calibration::Reliability;
use std::fmt::Write;

/// Colours that stay apart for colour-blind readers (Okabe & Ito).
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#D55E00";
const GREY: &str = "#555";
const FONT: &str =
    "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\"";

/// Escapes text for XML/HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, class: &str, w: f64, h: f64, label: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart {class}" role="img" aria-label="{l}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" {FONT} font-size="12"><title>{l}</title>"#,
        l = esc(label)
    );
}

/// Width in pixels of `s` at 12px, roughly (for margins).
fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 7.0
}

/// Light-to-dark blue for a share in [0, 1].
fn blues(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let (a, b) = ((247.0, 251.0, 255.0), (8.0, 48.0, 107.0));
    let mix = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Round tick step giving at most about five ticks up to `max`.
fn tick_step(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / 5.0;
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
        .max(1.0)
}

/// Confusion matrix as a heat map: rows gold, columns predicted; colour is the share of
/// the gold row (recall for the diagonal), text the count and that share.
pub fn confusion(labels: &[String], counts: &[Vec<u64>]) -> String {
    let k = labels.len().max(1);
    let cell = (480.0 / k as f64).clamp(40.0, 80.0);
    let left = labels.iter().map(|l| text_width(l)).fold(40.0, f64::max) + 34.0;
    let top = labels
        .iter()
        .map(|l| text_width(l))
        .fold(40.0, f64::max)
        .min(120.0)
        + 30.0;
    let (w, h) = (left + cell * k as f64 + 10.0, top + cell * k as f64 + 10.0);
    let mut s = String::new();
    open(
        &mut s,
        "confusion",
        w,
        h,
        "Confusion matrix: rows are gold labels, columns predicted labels",
    );
    let _ = write!(
        s,
        r#"<text x="{x}" y="14" text-anchor="middle" fill="{GREY}">predicted →</text>"#,
        x = left + cell * k as f64 / 2.0
    );
    let _ = write!(
        s,
        r#"<text transform="translate(14 {y}) rotate(-90)" text-anchor="middle" fill="{GREY}">gold →</text>"#,
        y = top + cell * k as f64 / 2.0
    );
    for (j, l) in labels.iter().enumerate() {
        let x = left + cell * (j as f64 + 0.5);
        let _ = write!(
            s,
            r#"<text transform="translate({x} {y}) rotate(-35)" text-anchor="start">{l}</text>"#,
            y = top - 6.0,
            l = esc(l)
        );
        let _ = write!(
            s,
            r#"<text x="{x}" y="{y}" text-anchor="end" dominant-baseline="middle">{l}</text>"#,
            x = left - 6.0,
            y = top + cell * (j as f64 + 0.5),
            l = esc(l)
        );
    }
    for (i, row) in counts.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (j, &n) in row.iter().enumerate() {
            let share = if total > 0 {
                n as f64 / total as f64
            } else {
                0.0
            };
            let (x, y) = (left + cell * j as f64, top + cell * i as f64);
            let ink = if share > 0.55 { "#fff" } else { "#111" };
            let _ = write!(
                s,
                r##"<g><title>gold {g}, predicted {p}: {n} ({pc:.1}% of gold {g})</title><rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="#fff"/><text x="{cx}" y="{cy}" text-anchor="middle" fill="{ink}" font-size="14" font-weight="{fw}">{n}</text><text x="{cx}" y="{cy2}" text-anchor="middle" fill="{ink}" font-size="10">{pc:.0}%</text></g>"##,
                g = esc(&labels[i]),
                p = esc(&labels[j]),
                pc = share * 100.0,
                fill = blues(share),
                cx = x + cell / 2.0,
                cy = y + cell / 2.0,
                cy2 = y + cell / 2.0 + 14.0,
                fw = if i == j { "bold" } else { "normal" },
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Plot frame: axes with ticks from 0 to 1 on x and 0 to `ymax` on y.
struct Frame {
    left: f64,
    top: f64,
    pw: f64,
    ph: f64,
    ymax: f64,
}

impl Frame {
    fn x(&self, v: f64) -> f64 {
        self.left + v * self.pw
    }
    fn y(&self, v: f64) -> f64 {
        self.top + self.ph - v / self.ymax * self.ph
    }
    fn axes(&self, s: &mut String, xlabel: &str, ylabel: &str, ystep: f64, percent_y: bool) {
        let (x0, y0) = (self.left, self.top + self.ph);
        let _ = write!(
            s,
            r##"<rect x="{x0}" y="{t}" width="{w}" height="{h}" fill="#fafafa" stroke="none"/>"##,
            t = self.top,
            w = self.pw,
            h = self.ph
        );
        let mut v = 0.0;
        while v <= self.ymax + 1e-9 {
            let y = self.y(v);
            let label = if percent_y {
                format!("{v:.1}")
            } else {
                format!("{}", v as u64)
            };
            let _ = write!(
                s,
                r##"<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#e3e3e3"/><text x="{tx}" y="{y}" text-anchor="end" dominant-baseline="middle" fill="{GREY}">{label}</text>"##,
                x1 = x0 + self.pw,
                tx = x0 - 6.0
            );
            v += ystep;
        }
        for i in 0..=5 {
            let v = i as f64 / 5.0;
            let x = self.x(v);
            let _ = write!(
                s,
                r#"<line x1="{x}" y1="{y0}" x2="{x}" y2="{y1}" stroke="{GREY}"/><text x="{x}" y="{ty}" text-anchor="middle" fill="{GREY}">{v:.1}</text>"#,
                y1 = y0 + 4.0,
                ty = y0 + 18.0
            );
        }
        let _ = write!(
            s,
            r#"<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="{GREY}"/><line x1="{x0}" y1="{t}" x2="{x0}" y2="{y0}" stroke="{GREY}"/>"#,
            x1 = x0 + self.pw,
            t = self.top
        );
        let _ = write!(
            s,
            r#"<text x="{x}" y="{y}" text-anchor="middle">{xl}</text><text transform="translate(14 {ym}) rotate(-90)" text-anchor="middle">{yl}</text>"#,
            x = self.left + self.pw / 2.0,
            y = y0 + 36.0,
            ym = self.top + self.ph / 2.0,
            xl = esc(xlabel),
            yl = esc(ylabel)
        );
    }
}

/// Reliability diagram: per bin, accuracy as a bar and the gap to the bin's mean
/// confidence as a hatched box; the diagonal is perfect calibration.
pub fn reliability(r: &Reliability) -> String {
    let f = Frame {
        left: 52.0,
        top: 44.0,
        pw: 280.0,
        ph: 240.0,
        ymax: 1.0,
    };
    let mut s = String::new();
    open(
        &mut s,
        "reliability",
        360.0,
        334.0,
        &format!(
            "Reliability diagram: accuracy per confidence bin; expected calibration error {:.3}",
            r.ece
        ),
    );
    s.push_str(r##"<defs><pattern id="gap" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#D55E0022"/><line x1="0" y1="0" x2="0" y2="6" stroke="#D55E00" stroke-width="2"/></pattern></defs>"##);
    f.axes(
        &mut s,
        "confidence of the predicted label",
        "accuracy",
        0.2,
        true,
    );
    let _ = write!(
        s,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GREY}" stroke-dasharray="4 3"/>"#,
        f.x(0.0),
        f.y(0.0),
        f.x(1.0),
        f.y(1.0)
    );
    for b in &r.bins {
        let (Some(acc), Some(conf)) = (b.accuracy, b.mean_confidence) else {
            continue;
        };
        let (x, w) = (f.x(b.lo) + 1.5, (b.hi - b.lo) * f.pw - 3.0);
        let _ = write!(
            s,
            r#"<g><title>confidence {lo:.1}–{hi:.1}: n = {n}, accuracy {acc:.3}, mean confidence {conf:.3}</title><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{BLUE}"/>"#,
            lo = b.lo,
            hi = b.hi,
            n = b.n,
            y = f.y(acc),
            h = f.y(0.0) - f.y(acc),
        );
        let (a, c) = (f.y(acc), f.y(conf));
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="url(#gap)" stroke="{ORANGE}" stroke-width="1"/>"#,
            y = a.min(c),
            h = (a - c).abs().max(0.5)
        );
        let _ = write!(
            s,
            r#"<text x="{tx}" y="{ty}" text-anchor="middle" font-size="10" fill="{GREY}">{n}</text></g>"#,
            tx = x + w / 2.0,
            ty = f.top - 5.0,
            n = b.n
        );
    }
    let _ = write!(
        s,
        r#"<text x="{x}" y="18" font-weight="bold">ECE {ece:.3}</text><rect x="{lx}" y="8" width="12" height="12" fill="{BLUE}"/><text x="{lt}" y="18">accuracy</text><rect x="{gx}" y="8" width="12" height="12" fill="url(#gap)" stroke="{ORANGE}"/><text x="{gt}" y="18">gap to confidence</text>"#,
        x = f.left,
        ece = r.ece,
        lx = f.left + 80.0,
        lt = f.left + 96.0,
        gx = f.left + 170.0,
        gt = f.left + 186.0
    );
    s.push_str("</svg>");
    s
}

/// Histogram of confidence, right answers stacked under wrong ones.
pub fn histogram(r: &Reliability) -> String {
    let max = r.bins.iter().map(|b| b.n).max().unwrap_or(0) as f64;
    let step = tick_step(max);
    let ymax = ((max / step).ceil() * step).max(step);
    let f = Frame {
        left: 52.0,
        top: 30.0,
        pw: 280.0,
        ph: 240.0,
        ymax,
    };
    let mut s = String::new();
    open(
        &mut s,
        "histogram",
        360.0,
        320.0,
        "Confidence histogram: right and wrong answers per confidence bin",
    );
    f.axes(
        &mut s,
        "confidence of the predicted label",
        "paragraphs",
        step,
        false,
    );
    for b in &r.bins {
        if b.n == 0 {
            continue;
        }
        let wrong = b.n - b.correct;
        let (x, w) = (f.x(b.lo) + 1.5, (b.hi - b.lo) * f.pw - 3.0);
        let _ = write!(
            s,
            r#"<g><title>confidence {lo:.1}–{hi:.1}: {c} right, {wrong} wrong</title><rect x="{x}" y="{yc}" width="{w}" height="{hc}" fill="{BLUE}"/><rect x="{x}" y="{yw}" width="{w}" height="{hw}" fill="{ORANGE}"/></g>"#,
            lo = b.lo,
            hi = b.hi,
            c = b.correct,
            yc = f.y(b.correct as f64),
            hc = f.y(0.0) - f.y(b.correct as f64),
            yw = f.y(b.n as f64),
            hw = f.y(b.correct as f64) - f.y(b.n as f64),
        );
    }
    let _ = write!(
        s,
        r#"<rect x="{a}" y="8" width="12" height="12" fill="{BLUE}"/><text x="{b}" y="18">right</text><rect x="{c}" y="8" width="12" height="12" fill="{ORANGE}"/><text x="{d}" y="18">wrong</text>"#,
        a = f.left,
        b = f.left + 16.0,
        c = f.left + 64.0,
        d = f.left + 80.0
    );
    s.push_str("</svg>");
    s
}

/// Forest plot: one row per group with its estimate and interval, and the overall value
/// as a dashed line.
pub fn forest(metric: &str, rows: &[(String, u64, Estimate)], overall: f64) -> String {
    let left = rows
        .iter()
        .map(|(g, n, _)| text_width(&format!("{g} (n={n})")))
        .fold(80.0, f64::max)
        + 16.0;
    let row_h = 22.0;
    let (pw, top) = (320.0, 34.0);
    let h = top + row_h * rows.len() as f64 + 44.0;
    let w = left + pw + 20.0;
    let x = |v: f64| left + v.clamp(0.0, 1.0) * pw;
    let mut s = String::new();
    open(
        &mut s,
        "forest",
        w,
        h,
        &format!("{metric} per group with 95% intervals"),
    );
    let y_end = top + row_h * rows.len() as f64;
    for i in 0..=5 {
        let v = i as f64 / 5.0;
        let _ = write!(
            s,
            r##"<line x1="{x}" y1="{top}" x2="{x}" y2="{y_end}" stroke="#e3e3e3"/><text x="{x}" y="{ty}" text-anchor="middle" fill="{GREY}">{v:.1}</text>"##,
            x = x(v),
            ty = y_end + 16.0
        );
    }
    let _ = write!(
        s,
        r#"<line x1="{ox}" y1="{t}" x2="{ox}" y2="{y_end}" stroke="{ORANGE}" stroke-dasharray="4 3"/><text x="{ox}" y="{ty}" text-anchor="middle" fill="{ORANGE}">all {overall:.3}</text><text x="{mx}" y="{ly}" text-anchor="middle">{m}</text>"#,
        ox = x(overall),
        t = top - 6.0,
        ty = top - 10.0,
        mx = left + pw / 2.0,
        ly = y_end + 34.0,
        m = esc(metric)
    );
    for (i, (g, n, e)) in rows.iter().enumerate() {
        let y = top + row_h * (i as f64 + 0.5);
        let _ = write!(
            s,
            r#"<g><title>{g}: {v:.3} [{lo:.3}, {hi:.3}], n = {n}</title><text x="{tx}" y="{y}" text-anchor="end" dominant-baseline="middle">{g} (n={n})</text><line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{BLUE}" stroke-width="2"/><circle cx="{cx}" cy="{y}" r="4.5" fill="{BLUE}"/></g>"#,
            g = esc(g),
            v = e.value,
            lo = e.lo,
            hi = e.hi,
            tx = left - 8.0,
            x1 = x(e.lo),
            x2 = x(e.hi),
            cx = x(e.value)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::calibration::reliability as bins;

    #[test]
    fn labels_are_escaped() {
        let svg = confusion(&["<a&b>".into(), "c".into()], &[vec![1, 0], vec![0, 1]]);
        assert!(svg.contains("&lt;a&amp;b&gt;"));
        assert!(!svg.contains("<a&b>"));
    }

    #[test]
    fn every_count_is_written_as_text() {
        let svg = confusion(&["x".into(), "y".into()], &[vec![7, 3], vec![0, 12]]);
        for n in [">7<", ">3<", ">0<", ">12<"] {
            assert!(svg.contains(n), "{n}");
        }
    }

    #[test]
    fn charts_are_well_formed_for_empty_input() {
        let r = bins(&[], &[], 10);
        for svg in [reliability(&r), histogram(&r), forest("accuracy", &[], 0.5)] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("NaN"));
        }
    }

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(tick_step(9.0), 2.0);
        assert_eq!(tick_step(230.0), 50.0);
        assert_eq!(tick_step(3.0), 1.0);
    }
}
