//! Charts drawn with plotters' SVG backend: a confusion heat map, a reliability diagram, a
//! confidence histogram and a forest plot of group intervals. Without plotters' `ttf`
//! feature the SVG backend writes every label as a plain `<text>` element (no font files,
//! no glyph outlines, no script), so the report stays one self-contained file and every
//! number drawn is text. Each chart is returned as an `<svg>` string whose opening tag is
//! rewritten to carry the report's class, an accessible label and a `<title>`.

use super::bootstrap::Estimate;
use super::calibration::Reliability;
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Colours that stay apart for colour-blind readers (Okabe & Ito).
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const ORANGE: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const INK: RGBColor = RGBColor(0x1d, 0x1d, 0x1f);
const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
const PANEL: RGBColor = RGBColor(0xfa, 0xfa, 0xfa);
/// The report body's font stack, so chart text matches the page.
const FONT: &str = "system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif";

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

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

/// Text of `px` pixels. The SVG backend writes `font-size` as the size it is given divided
/// by 1.24 (its point-to-pixel guess), so the size is scaled up to come out as `px`.
fn font(px: u32) -> TextStyle<'static> {
    (FONT, f64::from(px) * 1.24).into_font().color(&INK)
}

fn bold(px: u32) -> TextStyle<'static> {
    (FONT, f64::from(px) * 1.24, FontStyle::Bold)
        .into_font()
        .color(&INK)
}

/// An axis of `n` categories in integer steps, category `i` spanning `2i..2i + 2` with its
/// one key point (label) at the centre `2i + 1`. Integers because plotters formats only
/// integer axes with custom key points; doubled so each centre is a whole number.
fn categories(n: usize) -> WithKeyPoints<RangedCoordi32> {
    let n = n.max(1) as i32;
    (0..2 * n).with_key_points((0..n).map(|i| 2 * i + 1).collect())
}

/// Draws a `w`×`h` chart with `draw` and returns the SVG, its opening tag replaced by one
/// with `class="chart {class}"`, `role="img"`, an `aria-label` and a `<title>`. The width
/// and height stay (standalone .svg files keep their size); the page's CSS scales the
/// chart down through the `viewBox`.
fn chart(
    class: &str,
    label: &str,
    (w, h): (u32, u32),
    draw: impl FnOnce(&Area) -> Drawn,
) -> String {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        // Writing into a String has no I/O to fail and the font-less text layout is only
        // an estimate that cannot fail, so an error here is a bug in this module.
        draw(&root)
            .and_then(|()| root.present())
            .expect("plotters cannot fail drawing into a String");
    }
    let body = buf.find('>').map_or("", |end| &buf[end + 1..]);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart {class}" role="img" aria-label="{l}" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>{l}</title>{body}"#,
        l = esc(label),
        body = body.trim_end()
    )
}

/// Legend swatches and their names in a row from `x` along the top strip `area`.
fn legend(area: &Area, mut x: i32, items: &[(&str, ShapeStyle)]) -> Drawn {
    for (name, style) in items {
        area.draw(&Rectangle::new([(x, 8), (x + 12, 20)], *style))?;
        area.draw_text(
            name,
            &font(12).pos(Pos::new(HPos::Left, VPos::Center)),
            (x + 16, 14),
        )?;
        x += 16 + area.estimate_text_size(name, &font(12))?.0 as i32 + 14;
    }
    Ok(())
}

/// The unit confidence axis (0 to 1) against 0..`ymax`, on a light panel with horizontal
/// grid lines, below a 28-pixel strip left for the legend.
fn frame<'a, 'b>(
    body: &'a Area<'b>,
    ymax: f64,
    ylabel: &str,
    yfmt: &'a dyn Fn(&f64) -> String,
) -> Result<Plot<'a, 'b>, DrawingAreaErrorKind<std::io::Error>> {
    let mut c = ChartBuilder::on(body)
        .margin_right(20)
        .margin_top(6)
        .x_label_area_size(44)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..1.0, 0.0..ymax)?;
    c.plotting_area().fill(&PANEL)?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(yfmt)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(GREY)
        .label_style(font(12).color(&GREY))
        .axis_desc_style(font(12))
        .x_desc("confidence of the predicted label")
        .y_desc(ylabel)
        .draw()?;
    Ok(c)
}

/// Confusion matrix as a heat map: rows gold, columns predicted; colour is the share of
/// the gold row (recall for the diagonal), text the count and that share.
pub fn confusion(labels: &[String], counts: &[Vec<u64>]) -> String {
    let k = labels.len().max(1);
    // Estimated like plotters' font-less layout does (0.7 em a byte) to size the margins.
    let widest = labels.iter().map(|l| l.len()).max().unwrap_or(0) as u32 * 7;
    let cell = (480 / k as u32).clamp(40, 80);
    // Columns widen rather than rotate long names: plotters only turns text by right angles.
    let col = cell.max(widest + 10);
    let (top, left) = (48, widest.max(30) + 34);
    let size = (left + col * k as u32 + 10, top + cell * k as u32 + 10);
    let label = "Confusion matrix: rows are gold labels, columns predicted labels";
    chart("confusion", label, size, |root| {
        let mut c = ChartBuilder::on(root)
            .margin_right(10)
            .margin_bottom(10)
            .set_label_area_size(LabelAreaPosition::Top, top)
            .y_label_area_size(left)
            .build_cartesian_2d(categories(k), categories(k))?;
        // Plotters' y grows upwards; gold row `i` is category `k - 1 - i`.
        let name = |v: i32| labels.get(v as usize / 2).cloned().unwrap_or_default();
        c.configure_mesh()
            .disable_mesh()
            // Hidden rather than disabled: plotters drops the labels of a disabled axis.
            .axis_style(TRANSPARENT)
            .x_labels(k)
            .y_labels(k)
            .x_label_formatter(&|v| name(*v))
            .y_label_formatter(&|v| name(2 * k as i32 - v))
            .label_style(font(12))
            .axis_desc_style(font(12).color(&GREY))
            .x_desc("predicted →")
            .y_desc("gold →")
            .draw()?;
        let blues = DerivedColorMap::new(&[RGBColor(247, 251, 255), RGBColor(8, 48, 107)]);
        for (i, row) in counts.iter().enumerate() {
            let total: u64 = row.iter().sum();
            for (j, &n) in row.iter().enumerate() {
                let share = if total > 0 {
                    n as f64 / total as f64
                } else {
                    0.0
                };
                let (x, y) = (2 * j as i32, 2 * (k - 1 - i) as i32);
                let cell = [(x, y), (x + 2, y + 2)];
                c.draw_series([
                    Rectangle::new(cell, blues.get_color(share as f32).filled()),
                    Rectangle::new(cell, WHITE.stroke_width(1)),
                ])?;
                // White text on the dark end of the scale, dark text on the light end.
                let ink = if share > 0.55 { WHITE } else { INK };
                let count = if i == j { bold(14) } else { font(14) };
                let count = count.color(&ink).pos(Pos::new(HPos::Center, VPos::Bottom));
                let pct = font(10).color(&ink).pos(Pos::new(HPos::Center, VPos::Top));
                c.draw_series([EmptyElement::at((x + 1, y + 1))
                    + Text::new(n.to_string(), (0, 4), count)
                    + Text::new(format!("{:.0}%", share * 100.0), (0, 6), pct)])?;
            }
        }
        Ok(())
    })
}

/// Reliability diagram: per bin, accuracy as a bar and the gap to the bin's mean
/// confidence as an orange box; the diagonal is perfect calibration.
pub fn reliability(r: &Reliability) -> String {
    let label = format!(
        "Reliability diagram: accuracy per confidence bin; expected calibration error {:.3}",
        r.ece
    );
    chart("reliability", &label, (360, 350), |root| {
        let (top, body) = root.split_vertically(28);
        let ece = format!("ECE {:.3}", r.ece);
        top.draw_text(
            &ece,
            &bold(12).pos(Pos::new(HPos::Left, VPos::Center)),
            (50, 14),
        )?;
        // An outline, not a fill: the gap often lies over the accuracy bar (an
        // under-confident bin), where a translucent fill would muddy the blue.
        let gap = ORANGE.stroke_width(2);
        let at = 50 + top.estimate_text_size(&ece, &bold(12))?.0 as i32 + 14;
        legend(
            &top,
            at,
            &[("accuracy", BLUE.filled()), ("gap to confidence", gap)],
        )?;
        // Room above the panel for each bin's count.
        let body = body.margin(12, 0, 0, 0);
        let mut c = frame(&body, 1.0, "accuracy", &|v| format!("{v:.1}"))?;
        let small = font(10)
            .color(&GREY)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        for b in &r.bins {
            let (Some(acc), Some(conf)) = (b.accuracy, b.mean_confidence) else {
                continue;
            };
            let pad = (b.hi - b.lo) * 0.05;
            let (x0, x1) = (b.lo + pad, b.hi - pad);
            c.draw_series([
                Rectangle::new([(x0, 0.0), (x1, acc)], BLUE.filled()),
                Rectangle::new([(x0, acc), (x1, conf)], gap),
            ])?;
            c.draw_series([EmptyElement::at(((b.lo + b.hi) / 2.0, 1.0))
                + Text::new(b.n.to_string(), (0, -4), small.clone())])?;
        }
        // Over the bars, so their distance from perfect calibration shows.
        c.draw_series([DashedPathElement::new(
            vec![(0.0, 0.0), (1.0, 1.0)],
            4,
            3,
            GREY,
        )])?;
        Ok(())
    })
}

/// Histogram of confidence, right answers stacked under wrong ones.
pub fn histogram(r: &Reliability) -> String {
    let label = "Confidence histogram: right and wrong answers per confidence bin";
    chart("histogram", label, (360, 320), |root| {
        let (top, body) = root.split_vertically(28);
        legend(
            &top,
            50,
            &[("right", BLUE.filled()), ("wrong", ORANGE.filled())],
        )?;
        let max = r.bins.iter().map(|b| b.n).max().unwrap_or(0) as f64;
        // Headroom over the tallest bar; plotters picks round ticks inside the range.
        let ymax = (max * 1.08).max(1.0);
        let mut c = frame(&body, ymax, "paragraphs", &|v| format!("{v:.0}"))?;
        for b in r.bins.iter().filter(|b| b.n > 0) {
            let pad = (b.hi - b.lo) * 0.05;
            let (x0, x1) = (b.lo + pad, b.hi - pad);
            let (right, all) = (b.correct as f64, b.n as f64);
            c.draw_series([
                Rectangle::new([(x0, 0.0), (x1, right)], BLUE.filled()),
                Rectangle::new([(x0, right), (x1, all)], ORANGE.filled()),
            ])?;
        }
        Ok(())
    })
}

/// Forest plot: one row per group with its estimate and interval, and the overall value
/// as a dashed line.
pub fn forest(metric: &str, rows: &[(String, u64, Estimate)], overall: f64) -> String {
    let names: Vec<String> = rows
        .iter()
        .map(|(g, n, _)| format!("{g} (n={n})"))
        .collect();
    let left = names.iter().map(|s| s.len() as u32 * 7).fold(80, u32::max) + 16;
    let (row_h, top) = (22, 34);
    let n = rows.len();
    let size = (left + 320 + 20, top + row_h * n as u32 + 44);
    let label = format!("{metric} per group with 95% intervals");
    chart("forest", &label, size, |root| {
        let mut c = ChartBuilder::on(root)
            .margin_top(top)
            .margin_right(20)
            .x_label_area_size(44)
            .y_label_area_size(left)
            .build_cartesian_2d(0.0..1.0, categories(n))?;
        // Plotters' y grows upwards; group `i` is category `n - 1 - i`.
        let top_y = 2 * n.max(1) as i32;
        let name = |v: i32| {
            names
                .get(((top_y - v) / 2) as usize)
                .cloned()
                .unwrap_or_default()
        };
        c.configure_mesh()
            .disable_y_mesh()
            .x_labels(6)
            .y_labels(n.max(1))
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| name(*v))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(GREY)
            .x_label_style(font(12).color(&GREY))
            .y_label_style(font(12))
            .axis_desc_style(font(12))
            .x_desc(metric)
            .draw()?;
        let all = overall.clamp(0.0, 1.0);
        c.draw_series([DashedPathElement::new(
            vec![(all, 0), (all, top_y)],
            4,
            3,
            ORANGE,
        )])?;
        let note = font(12)
            .color(&ORANGE)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        c.draw_series([
            EmptyElement::at((all, top_y)) + Text::new(format!("all {overall:.3}"), (0, -6), note)
        ])?;
        c.draw_series(rows.iter().enumerate().map(|(i, (_, _, e))| {
            let [lo, v, hi] = [e.lo, e.value, e.hi].map(|x| x.clamp(0.0, 1.0));
            let y = top_y - 1 - 2 * i as i32;
            ErrorBar::new_horizontal(y, lo, v, hi, BLUE.filled().stroke_width(2), 9)
        }))?;
        Ok(())
    })
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
        for n in [">\n7\n<", ">\n3\n<", ">\n0\n<", ">\n12\n<"] {
            assert!(svg.contains(n), "{n:?}");
        }
    }

    #[test]
    fn charts_are_well_formed_for_empty_input() {
        let r = bins(&[], &[], 10);
        for svg in [reliability(&r), histogram(&r), forest("accuracy", &[], 0.5)] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert_eq!(svg.matches("<svg").count(), 1);
            assert!(svg.contains("viewBox") && svg.contains("<title>"));
            assert!(!svg.contains("NaN"));
        }
    }
}
