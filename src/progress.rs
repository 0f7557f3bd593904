//! Progress on stderr for long local work (bulk lists, the demo), shown only to a person watching:
//! when the function runs locally (`exec`, `demo`) and stderr is a terminal. Piped or on the
//! platform, nothing is drawn, so logs and captured output stay as they were.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use gotowebinar::pagination::PageInfo;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sailor::Context;

/// Whether to draw progress: only for a local run whose stderr is a terminal.
pub fn should_show(local: bool, stderr_is_terminal: bool) -> bool {
    local && stderr_is_terminal
}

/// Every bar of the process, stacked, so a demo step and the list inside it do not overwrite
/// each other.
fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()).with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate_text(state.per_sec()));
        },
    )
}

/// Items per second, short: `12.3/s`, `850/s`.
pub fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "0/s".into()
    } else if per_sec < 100.0 {
        format!("{per_sec:.1}/s")
    } else {
        format!("{per_sec:.0}/s")
    }
}

/// `3 pages of 10` when GoTo said how many there are, else `3 pages`.
pub fn pages_text(pages: u32, total_pages: Option<u32>) -> String {
    let noun = if total_pages.unwrap_or(pages) == 1 { "page" } else { "pages" };
    match total_pages {
        Some(total) => format!("{pages} of {total} {noun}"),
        None => format!("{pages} {noun}"),
    }
}

/// Progress of reading a list page by page: items so far, pages, rate and, once GoTo's page info
/// gives the total, the ETA.
pub struct ListProgress {
    bar: Option<ProgressBar>,
    pages: u32,
}

impl ListProgress {
    /// Progress for listing `what` in this context (drawn only when [`should_show`] says so).
    pub fn start(ctx: &Context, what: &str) -> Self {
        if !should_show(ctx.local_cfg().is_some(), std::io::stderr().is_terminal()) {
            return ListProgress { bar: None, pages: 0 };
        }
        let bar = ProgressBar::hidden();
        bar.set_style(style("{spinner} listing {prefix}: {pos} items, {msg} · {rate}"));
        bar.set_prefix(what.to_string());
        bar.set_message(pages_text(0, None));
        let bar = bars().add(bar);
        bar.enable_steady_tick(Duration::from_millis(120));
        ListProgress { bar: Some(bar), pages: 0 }
    }

    /// One more page with `items` items.
    pub fn page(&mut self, items: usize, info: &PageInfo) {
        self.pages += 1;
        let Some(bar) = &self.bar else { return };
        if let (Some(total), None) = (info.total_elements, bar.length()) {
            bar.set_length(total);
            bar.set_style(style("{spinner} listing {prefix}: {pos}/{len} items, {msg} · {rate} · ETA {eta}"));
        }
        bar.inc(items as u64);
        bar.set_message(pages_text(self.pages, info.total_pages));
    }
}

impl Drop for ListProgress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            bars().remove(&bar);
        }
    }
}

/// A spinner for one step of the demo, with its title and elapsed time; cleared when dropped.
pub struct StepSpinner(Option<ProgressBar>);

impl StepSpinner {
    /// Starts the spinner when stderr is a terminal.
    pub fn start(title: &str) -> Self {
        if !should_show(true, std::io::stderr().is_terminal()) {
            return StepSpinner(None);
        }
        let bar = ProgressBar::hidden();
        bar.set_style(style("{spinner} {msg} ({elapsed})"));
        bar.set_message(title.to_string());
        let bar = bars().add(bar);
        bar.enable_steady_tick(Duration::from_millis(120));
        StepSpinner(Some(bar))
    }
}

impl Drop for StepSpinner {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
            bars().remove(&bar);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_drawn_only_for_a_person_watching_a_local_run() {
        assert!(should_show(true, true));
        assert!(!should_show(true, false), "piped stderr");
        assert!(!should_show(false, true), "on the platform");
        assert!(!should_show(false, false));
    }

    #[test]
    fn pages_read_so_far_name_the_total_when_known() {
        assert_eq!(pages_text(0, None), "0 pages");
        assert_eq!(pages_text(1, None), "1 page");
        assert_eq!(pages_text(3, Some(10)), "3 of 10 pages");
        assert_eq!(pages_text(1, Some(1)), "1 of 1 page");
    }

    #[test]
    fn the_rate_is_short() {
        assert_eq!(rate_text(2.149_8), "2.1/s");
        assert_eq!(rate_text(850.4), "850/s");
        assert_eq!(rate_text(0.0), "0/s");
        assert_eq!(rate_text(f64::NAN), "0/s");
    }

    #[test]
    fn without_a_terminal_a_list_draws_nothing_and_still_counts() {
        let ctx = Context::new(std::sync::Arc::new(Discard), sailor::StepInfo::default());
        let mut progress = ListProgress::start(&ctx, "webinars");
        assert!(progress.bar.is_none(), "not a local run");
        let info = PageInfo { number: 0, size: 200, total_elements: Some(250), total_pages: Some(2) };
        progress.page(200, &info);
        assert_eq!(progress.pages, 1);
    }

    struct Discard;

    #[async_trait::async_trait]
    impl sailor::Emitter for Discard {
        async fn emit(&self, _event: sailor::Event) -> Result<(), sailor::EmitError> {
            Ok(())
        }
    }
}
