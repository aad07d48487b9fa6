//! Any text given to the template checker: diagnostics, never a panic. When it compiles,
//! its own worked-example machinery and `show` must not panic either.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let checked = kaohe_core::check(src);
    for d in &checked.diagnostics {
        let _ = d.render("fuzz.toml", src, &[kaohe_core::Lang::Zh, kaohe_core::Lang::En]);
    }
    if let Some(t) = checked.template {
        let _ = kaohe_core::show::show(&t, kaohe_core::Lang::Zh);
        // Score one appraisee with every cell empty or zero.
        let engine = kaohe_core::Engine::new(&t);
        let mut f = kaohe_core::Frame::new(&t);
        let row = vec![kaohe_core::Val::Empty; t.layout.metrics as usize];
        let _ = engine.score(&row, &mut f, &[], &mut kaohe_core::Recorder::default());
    }
});
