//! Formats shared by the workbooks we write: a CJK font, thin borders, wrapped text.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// Deflate level of the workbooks we write: 2 instead of the library's 6. At 100,000
/// appraisees the results workbook spent a fifth of its time in level 6's search for
/// longer matches: level 2 wrote it in 3.6 s instead of 4.9–5.3 s, 11.3 MB instead of
/// 10.4 MB (level 1 was no faster and 18.5 MB).
const ZIP_LEVEL: u8 = 2;

/// A new workbook, compressed with [`ZIP_LEVEL`].
pub(crate) fn workbook() -> Workbook {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(ZIP_LEVEL);
    wb
}

/// A font every Chinese Windows has; LibreOffice falls back to a CJK font it has.
pub(crate) const FONT: &str = "SimSun";
/// Body text size in points.
pub(crate) const SIZE: f64 = 10.5;
/// Points per line of body text, for row heights.
pub(crate) const LINE: f64 = 14.0;

pub(crate) struct Styles {
    pub title: Format,
    pub field: Format,
    pub head: Format,
    pub text: Format,
    pub center: Format,
    pub num: Format,
    pub money: Format,
    pub money_bold: Format,
    pub bold: Format,
    pub section: Format,
    pub label: Format,
    pub label_num: Format,
    pub label_money: Format,
    pub label_text: Format,
    pub note: Format,
}

fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_size(SIZE)
}

fn cell() -> Format {
    base()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
}

impl Styles {
    pub fn new() -> Styles {
        let grey = Color::RGB(0xD9D9D9);
        let light = Color::RGB(0xF2F2F2);
        Styles {
            title: base()
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            field: base().set_align(FormatAlign::VerticalCenter),
            head: cell()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_background_color(grey),
            text: cell().set_align(FormatAlign::Left),
            center: cell().set_align(FormatAlign::Center),
            num: cell().set_align(FormatAlign::Center),
            money: cell().set_align(FormatAlign::Center).set_num_format("0.00"),
            money_bold: cell()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_num_format("0.00"),
            bold: base().set_bold(),
            section: cell().set_bold().set_background_color(light),
            label: cell().set_bold().set_align(FormatAlign::Center),
            label_num: cell().set_bold().set_align(FormatAlign::Center),
            label_money: cell()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_num_format("0.00"),
            label_text: cell().set_bold().set_align(FormatAlign::Center),
            note: cell()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top),
        }
    }
}

/// Display width of text in Excel column units: CJK and full-width characters count 2.
pub(crate) fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1 } else { 2 })
        .sum()
}

/// Lines `s` takes when wrapped in a column `col_width` units wide.
pub(crate) fn lines(s: &str, col_width: f64) -> usize {
    let per = (col_width - 1.0).max(1.0);
    s.split('\n')
        .map(|l| ((width(l) as f64) / per).ceil().max(1.0) as usize)
        .sum()
}

/// A4 portrait, one page wide, centred, with page numbers.
pub(crate) fn a4(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    ws.set_portrait();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_print_center_horizontally(true);
    ws.set_footer("&C第 &P 页 共 &N 页");
    Ok(())
}
