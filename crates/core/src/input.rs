//! Reading appraisees' values: header matching and cell parsing, with errors that name
//! the line and column. Pure: the caller reads the file and passes the cells.

use crate::engine::Val;
use crate::i18n::Msg;
use crate::model::{InputKind, Template};
use crate::msg;
use crate::num::{Parsed, fmt, parse_user_number};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    /// The employee number (工号), unique in the batch.
    Id,
    /// The name (姓名).
    Name,
    /// The peer group (组) for averages and ranking.
    Group,
    /// An input or a parameter override, by slot.
    Slot(u32),
    /// Not used by the template.
    Ignored,
}

/// A problem with one cell or the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// 1-based line in the file (the header is line 1 of a CSV).
    pub line: usize,
    /// 1-based column, when one is at fault.
    pub column: Option<usize>,
    /// The column's header.
    pub header: Option<String>,
    pub msg: Msg,
}

/// The columns of a batch, matched to the template.
#[derive(Debug, Clone)]
pub struct Columns {
    pub cols: Vec<Col>,
    /// Headers not used by the template (reported as a warning).
    pub ignored: Vec<String>,
}

const NA_MARKERS: [&str; 6] = ["不适用", "N/A", "n/a", "NA", "na", "无此项"];

/// Match a header row to the template by input id, Chinese or English name.
pub fn match_header(t: &Template, headers: &[&str]) -> Result<Columns, Vec<CellError>> {
    let mut by_name: HashMap<String, Col> = HashMap::new();
    for (i, inp) in t.inputs.iter().enumerate() {
        let c = Col::Slot(i as u32);
        by_name.insert(inp.id.clone(), c);
        by_name.entry(inp.name.clone()).or_insert(c);
        if let Some(en) = &inp.name_en {
            by_name.entry(en.clone()).or_insert(c);
        }
    }
    for (i, p) in t.params.iter().enumerate() {
        let c = Col::Slot(t.layout.params + i as u32);
        by_name.entry(p.id.clone()).or_insert(c);
        by_name.entry(p.name.clone()).or_insert(c);
    }
    for (names, c) in [
        (
            &["id", "工号", "员工编号", "employee_id", "编号"][..],
            Col::Id,
        ),
        (&["name", "姓名", "被考核人"][..], Col::Name),
        (&["group", "组", "分组", "小组", "部门"][..], Col::Group),
    ] {
        for n in names {
            by_name.entry((*n).to_string()).or_insert(c);
        }
    }
    let mut cols = Vec::with_capacity(headers.len());
    let mut errors = Vec::new();
    let mut seen: HashMap<Col, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        let c = by_name.get(h).copied().unwrap_or(Col::Ignored);
        if c == Col::Ignored {
            ignored.push(h.to_string());
        } else if let Some(first) = seen.insert(c, i) {
            errors.push(CellError {
                line: 1,
                column: Some(i + 1),
                header: Some(h.to_string()),
                msg: msg!("in-dup-column", header = h, first = first + 1),
            });
        }
        cols.push(c);
    }
    if !seen.contains_key(&Col::Id) {
        errors.push(CellError {
            line: 1,
            column: None,
            header: None,
            msg: msg!("in-no-id"),
        });
    }
    for (i, inp) in t.inputs.iter().enumerate() {
        if inp.required && !seen.contains_key(&Col::Slot(i as u32)) {
            let hint = crate::compile::suggest(&inp.id, ignored.iter().map(String::as_str))
                .map(|s| format!(" (`{s}`?)"))
                .unwrap_or_default();
            errors.push(CellError {
                line: 1,
                column: None,
                header: Some(inp.id.clone()),
                msg: msg!(
                    "in-missing-column",
                    id = inp.id.clone(),
                    name = inp.name.clone(),
                    hint = hint
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(Columns { cols, ignored })
    } else {
        Err(errors)
    }
}

/// One appraisee's row, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Line in the source file.
    pub line: usize,
    pub id: String,
    pub name: Option<String>,
    pub group: Option<String>,
    /// One value per input and parameter slot.
    pub values: Vec<Val>,
}

/// Parse one row of cells (`None` = the cell is missing).
pub fn parse_row(
    t: &Template,
    cols: &Columns,
    cells: &[&str],
    line: usize,
) -> Result<Row, Vec<CellError>> {
    let mut row = Row {
        line,
        id: String::new(),
        name: None,
        group: None,
        values: vec![Val::Empty; t.layout.metrics as usize],
    };
    let mut errors = Vec::new();
    for (ci, col) in cols.cols.iter().enumerate() {
        let cell = cells.get(ci).copied().unwrap_or("").trim();
        match *col {
            Col::Ignored => {}
            Col::Id => row.id = cell.to_string(),
            Col::Name => row.name = (!cell.is_empty()).then(|| cell.to_string()),
            Col::Group => row.group = (!cell.is_empty()).then(|| cell.to_string()),
            Col::Slot(s) => match parse_cell(t, s, cell) {
                Ok(v) => row.values[s as usize] = v,
                Err(m) => {
                    // Reported once here, not again as "empty" below.
                    row.values[s as usize] = Val::Na;
                    errors.push(CellError {
                        line,
                        column: Some(ci + 1),
                        header: Some(slot_id(t, s)),
                        msg: m,
                    })
                }
            },
        }
    }
    if row.id.is_empty() {
        errors.push(CellError {
            line,
            column: cols.cols.iter().position(|c| *c == Col::Id).map(|c| c + 1),
            header: Some("id".into()),
            msg: msg!("in-empty-id"),
        });
    }
    for (i, inp) in t.inputs.iter().enumerate() {
        if inp.required && row.values[i] == Val::Empty {
            let ci = cols.cols.iter().position(|c| *c == Col::Slot(i as u32));
            if ci.is_some_and(|c| c < cells.len()) || ci.is_none() {
                errors.push(CellError {
                    line,
                    column: ci.map(|c| c + 1),
                    header: Some(inp.id.clone()),
                    msg: msg!("in-empty", name = inp.name.clone())
                        .en_arg("name", inp.name_en.clone().unwrap_or(inp.name.clone())),
                });
            } else {
                errors.push(CellError {
                    line,
                    column: ci.map(|c| c + 1),
                    header: Some(inp.id.clone()),
                    msg: msg!("in-short-row", id = inp.id.clone()),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(row)
    } else {
        Err(errors)
    }
}

fn slot_id(t: &Template, s: u32) -> String {
    if s < t.layout.params {
        t.inputs[s as usize].id.clone()
    } else {
        t.params[(s - t.layout.params) as usize].id.clone()
    }
}

/// Parse one cell for slot `s` (an input or a parameter). A refusal names the input by
/// its sheet name, in English where the template gives one.
pub fn parse_cell(t: &Template, s: u32, cell: &str) -> Result<Val, Msg> {
    parse_cell_named(t, s, cell).map_err(|m| {
        let (name, name_en) = if s >= t.layout.params {
            let p = &t.params[(s - t.layout.params) as usize];
            (&p.name, &p.name_en)
        } else {
            let i = &t.inputs[s as usize];
            (&i.name, &i.name_en)
        };
        m.en_arg("name", name_en.clone().unwrap_or_else(|| name.clone()))
    })
}

fn parse_cell_named(t: &Template, s: u32, cell: &str) -> Result<Val, Msg> {
    if cell.is_empty() {
        return Ok(Val::Empty);
    }
    if s >= t.layout.params {
        let p = &t.params[(s - t.layout.params) as usize];
        let Some(v) = parse_user_number(cell) else {
            return Err(msg!("in-not-number", value = cell, name = p.name.clone()));
        };
        let v = v.value();
        if p.min.is_some_and(|m| v < m) || p.max.is_some_and(|m| v > m) {
            return Err(msg!(
                "in-range",
                value = fmt(v),
                name = p.name.clone(),
                min = p.min.map_or("-∞".into(), fmt),
                max = p.max.map_or("+∞".into(), fmt)
            ));
        }
        return Ok(Val::Num(v));
    }
    let inp = &t.inputs[s as usize];
    if NA_MARKERS.contains(&cell) {
        return if inp.na_ok {
            Ok(Val::Na)
        } else {
            Err(msg!("in-na", name = inp.name.clone()))
        };
    }
    let v = match &inp.kind {
        InputKind::Text => return Ok(Val::Text(cell.into())),
        InputKind::Choice(labels) => {
            if let Some(i) = labels.iter().position(|l| l == cell) {
                return Ok(Val::Num(Decimal::from(i)));
            }
            return Err(msg!(
                "in-choice",
                value = cell,
                name = inp.name.clone(),
                choices = labels.join(" / ")
            ));
        }
        InputKind::Set(n) => {
            return parse_set(cell, *n)
                .map(Val::Set)
                .map_err(|bad| msg!("in-set", value = bad, name = inp.name.clone(), n = *n));
        }
        kind => {
            let Some(p) = parse_user_number(cell) else {
                return Err(msg!("in-not-number", value = cell, name = inp.name.clone()));
            };
            match (kind, p) {
                (InputKind::Percent, _) => p.value(),
                (_, Parsed::Percent(_)) => {
                    return Err(msg!("in-no-percent", value = cell, name = inp.name.clone()));
                }
                (InputKind::Count, Parsed::Number(d)) => {
                    if d.is_sign_negative() || (d.scale() > 0 && !d.fract().is_zero()) {
                        return Err(msg!("in-count", value = cell, name = inp.name.clone()));
                    }
                    d
                }
                (_, Parsed::Number(d)) => d,
            }
        }
    };
    if inp.min.is_some_and(|m| v < m) || inp.max.is_some_and(|m| v > m) {
        return Err(msg!(
            "in-range",
            value = fmt(v),
            name = inp.name.clone(),
            min = inp.min.map_or("-∞".into(), fmt),
            max = inp.max.map_or("+∞".into(), fmt)
        ));
    }
    Ok(Val::Num(v))
}

/// `1,3,4`, `1 3 4`, `①③④`, `全部`/`all`, `无`/`none` → bits.
pub fn parse_set(cell: &str, n: u32) -> Result<u32, String> {
    let all = if n >= 32 { u32::MAX } else { (1u32 << n) - 1 };
    match cell {
        "全部" | "all" | "ALL" | "All" => return Ok(all),
        "无" | "none" | "-" | "0" => return Ok(0),
        _ => {}
    }
    let mut bits = 0u32;
    let mut num = String::new();
    let flush = |num: &mut String, bits: &mut u32| -> Result<(), String> {
        if num.is_empty() {
            return Ok(());
        }
        let k: u32 = num.parse().map_err(|_| num.clone())?;
        if k == 0 || k > n {
            return Err(num.clone());
        }
        *bits |= 1 << (k - 1);
        num.clear();
        Ok(())
    };
    for ch in cell.chars() {
        match ch {
            '0'..='9' => num.push(ch),
            '０'..='９' => num.push(char::from(b'0' + (ch as u32 - '０' as u32) as u8)),
            '①'..='⑳' => {
                flush(&mut num, &mut bits)?;
                let k = ch as u32 - '①' as u32 + 1;
                if k > n {
                    return Err(ch.to_string());
                }
                bits |= 1 << (k - 1);
            }
            ',' | '，' | ';' | '；' | '、' | ' ' | '/' => flush(&mut num, &mut bits)?,
            other => return Err(other.to_string()),
        }
    }
    flush(&mut num, &mut bits)?;
    Ok(bits)
}
