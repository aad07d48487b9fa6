//! Any bytes as an `.xlsx`: a table or an error, never a panic, and a table always as wide
//! as its header. Input starting with `PK` is taken as the whole file (zip bombs, lying
//! sizes, broken parts); anything else is taken as the `<sheetData>` of a valid one-sheet
//! workbook with a shared-strings part, so the fuzzer reaches the cell reader at once.
#![no_main]
use kaohe_office::{Limits, OfficeError, read_xlsx_with};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

fn workbook(sheet_data: &[u8]) -> Vec<u8> {
    let mut sheet = format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>"#).into_bytes();
    sheet.extend_from_slice(sheet_data);
    sheet.extend_from_slice(b"</sheetData><mergeCells><mergeCell ref=\"A1:B1\"/></mergeCells></worksheet>");
    let parts: [(&str, Vec<u8>); 6] = [
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#.to_vec()),
        ("_rels/.rels", format!(r#"<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#).into_bytes()),
        ("xl/workbook.xml", format!(r#"<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets><sheet name="考核数据" sheetId="1" r:id="rId1"/></sheets></workbook>"#).into_bytes()),
        ("xl/_rels/workbook.xml.rels", format!(r#"<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#).into_bytes()),
        ("xl/sharedStrings.xml", format!(r#"<sst xmlns="{NS}" uniqueCount="3"><si><t>工号</t></si><si><t>姓名</t></si><si><t>=1+1</t></si></sst>"#).into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(&data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_cols: 50,
        max_rows: 1000,
        max_cells: 5000,
        ..Limits::default()
    };
    let bytes = if data.starts_with(b"PK") {
        data.to_vec()
    } else {
        workbook(data)
    };
    match read_xlsx_with(&bytes, None, &limits) {
        Ok(t) => {
            assert!(t.headers.len() <= limits.max_cols);
            assert!(t.headers.last().is_some_and(|h| !h.is_empty()));
            assert!(t.rows.len() * t.headers.len() <= limits.max_cells);
            assert!(t.rows.windows(2).all(|w| w[0].row < w[1].row));
            assert!(t.rows.iter().all(|r| r.row > t.header_row && r.row <= limits.max_rows));
            assert!(t.rows.iter().all(|r| r.cells.len() == t.headers.len()));
            assert!(t.issues.iter().all(|i| i.col < t.headers.len() && i.row >= t.header_row));
        }
        Err(OfficeError::Cells(ps)) => assert!(!ps.is_empty()),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
