//! What the actions on a webinar's people share: panelists and co-organizers are listed, added
//! (several from a list, or one from top-level fields), removed and re-invited alike.

use gotowebinar::keys::WebinarKey;
use serde::Deserialize;

use crate::actions::list::Paging;
use crate::call::Call;
use crate::errors::ComponentError;
use crate::output::DoneOut;
use crate::schema_types;

schema_types! {
    /// Input of a list of a webinar's people (registrants, panelists, co-organizers).
    #[derive(Deserialize)]
    WebinarListIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        paging: Paging,
    }
}

/// What happens to one person of a webinar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// They are removed from the webinar.
    Remove,
    /// Their invitation and join link are emailed again.
    Resend,
}

impl Change {
    /// What the change does to `who` (`panelist 12`), for its error.
    pub fn doing(self, who: String, webinar: &WebinarKey) -> String {
        match self {
            Change::Remove => format!("removing {who} from webinar {webinar}"),
            Change::Resend => format!("resending the invitation of {who} of webinar {webinar}"),
        }
    }

    /// Makes the change with `request` and emits its outcome for the person `key` of `webinar`.
    pub async fn emit(
        self,
        call: &Call,
        request: impl std::future::Future<Output = gotowebinar::Result<()>>,
        who: &str,
        webinar: &WebinarKey,
        key: &impl std::fmt::Display,
    ) -> Result<(), ComponentError> {
        let doing = self.doing(format!("{who} {key}"), webinar);
        call.emit_answer(request, doing, |()| DoneOut::item(webinar.to_string(), key.to_string())).await
    }
}

/// The people to add, as GoTo takes them: each of `many` (named `list[index].` in errors), then
/// `one` (the top-level fields) when given; `none` is the error when there is nobody.
pub fn to_add<T, W>(
    list: &str,
    many: Option<&[T]>,
    one: Option<T>,
    none: &str,
    to_wire: impl Fn(&T, &str) -> Result<W, ComponentError>,
) -> Result<Vec<W>, ComponentError> {
    let mut out = Vec::new();
    for (index, person) in many.unwrap_or_default().iter().enumerate() {
        out.push(to_wire(person, &format!("{list}[{index}]."))?);
    }
    if let Some(person) = one {
        out.push(to_wire(&person, "")?);
    }
    if out.is_empty() {
        return Err(ComponentError::input(none));
    }
    Ok(out)
}
