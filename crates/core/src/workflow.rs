//! The appraisal workflow as an explicit state machine: which action moves an appraisal
//! from which state to which, who may take it, and what must come with it (a reason, the
//! items disputed). Pure: the service stores the state and audits every transition.
//!
//! ```text
//! data_entry → self_assessment → rating → review → approval → published ─┬─ sign ─────────→ confirmed
//!      (forms without self-assessment skip it)        ↑  │        │        ├─ window passes → confirmed (视为默认)
//!                                 review returns ─────┘  │        │        └─ appeal ──→ appealed
//!                                 approver rejects ←─────┘        │                       ├─ uphold → confirmed
//!                                                                 │                       └─ reopen items → rating
//!                                  HR corrects a confirmed appraisal (with a reason) → rating
//! ```

use std::fmt;

/// Where an appraisal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Departments enter their data.
    DataEntry,
    /// The appraisee assesses themself.
    SelfAssessment,
    /// Raters score their items.
    Rating,
    /// Review (复核).
    Review,
    /// Approval (审批).
    Approval,
    /// Shown to the appraisee, who signs or appeals within the window.
    Published,
    /// Appealed (申诉): HR investigates.
    Appealed,
    /// Final: signed, accepted by default (视为默认), or the appeal upheld. Immutable.
    Confirmed,
}

impl State {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            State::DataEntry => "data_entry",
            State::SelfAssessment => "self_assessment",
            State::Rating => "rating",
            State::Review => "review",
            State::Approval => "approval",
            State::Published => "published",
            State::Appealed => "appealed",
            State::Confirmed => "confirmed",
        }
    }
    /// From storage.
    pub fn parse(s: &str) -> Option<State> {
        Some(match s {
            "data_entry" => State::DataEntry,
            "self_assessment" => State::SelfAssessment,
            "rating" => State::Rating,
            "review" => State::Review,
            "approval" => State::Approval,
            "published" => State::Published,
            "appealed" => State::Appealed,
            "confirmed" => State::Confirmed,
            _ => return None,
        })
    }
    /// The Chinese name, as on the page.
    pub fn zh(self) -> &'static str {
        match self {
            State::DataEntry => "数据录入",
            State::SelfAssessment => "自评",
            State::Rating => "评分",
            State::Review => "复核",
            State::Approval => "审批",
            State::Published => "待确认",
            State::Appealed => "申诉中",
            State::Confirmed => "已确认",
        }
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A department clerk entering data (or HR).
    Clerk,
    /// The appraisee.
    Appraisee,
    /// An assigned rater.
    Rater,
    Reviewer,
    Approver,
    Hr,
    /// The background job (auto-confirmation).
    System,
}

/// What is done to an appraisal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// All data-source departments have entered their inputs.
    DataComplete,
    /// The appraisee submits the self-assessment.
    SubmitSelf,
    /// Every rater has scored.
    RatingsComplete,
    /// The reviewer passes it on.
    ReviewPass,
    /// The reviewer sends it back to the raters.
    ReviewReturn { reason: String },
    /// The approver approves: the appraisee sees it.
    Approve,
    /// The approver sends it back to review.
    Reject { reason: String },
    /// The appraisee signs.
    Sign { name: String },
    /// The confirmation window passed without a signature (视为默认).
    AutoConfirm,
    /// The appraisee appeals, naming the items disputed.
    Appeal { reason: String, items: Vec<String> },
    /// HR upholds the result after investigating.
    Uphold { reason: String },
    /// HR reopens the disputed items for re-scoring.
    Reopen { reason: String, items: Vec<String> },
    /// HR corrects a confirmed appraisal.
    Correct { reason: String },
}

impl Action {
    /// The stable name used in the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::DataComplete => "data_complete",
            Action::SubmitSelf => "submit_self",
            Action::RatingsComplete => "ratings_complete",
            Action::ReviewPass => "review_pass",
            Action::ReviewReturn { .. } => "review_return",
            Action::Approve => "approve",
            Action::Reject { .. } => "reject",
            Action::Sign { .. } => "sign",
            Action::AutoConfirm => "auto_confirm",
            Action::Appeal { .. } => "appeal",
            Action::Uphold { .. } => "uphold",
            Action::Reopen { .. } => "reopen",
            Action::Correct { .. } => "correct",
        }
    }
}

/// An action's name in people's words: (Chinese, English), from its stable name.
pub fn action_words(name: &str) -> (&'static str, &'static str) {
    match name {
        "data_complete" => ("数据提交", "handing in the data"),
        "submit_self" => ("提交自评", "handing in the self-assessment"),
        "ratings_complete" => ("评分完成", "completing the ratings"),
        "review_pass" => ("通过复核", "passing the review"),
        "review_return" => ("退回评分人", "returning it to the raters"),
        "approve" => ("审批通过", "approving"),
        "reject" => ("退回复核", "sending it back to review"),
        "sign" => ("签名确认", "signing"),
        "auto_confirm" => ("视为默认确认", "confirming by default"),
        "appeal" => ("申诉", "appealing"),
        "uphold" => ("维持原结果", "upholding the result"),
        "reopen" => ("重新打开", "reopening"),
        "correct" => ("更正", "correcting"),
        _ => ("此操作", "this action"),
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowError {
    /// Not possible from this state.
    NotNow { action: &'static str, state: State },
    /// This actor may not take this action.
    NotAllowed { action: &'static str },
    /// A reason (or the signer's name) is required.
    ReasonRequired { action: &'static str },
    /// An appeal or reopening must name at least one item.
    ItemsRequired { action: &'static str },
}

impl WorkflowError {
    /// The refusal for people, in the core catalogue.
    pub fn text(&self) -> crate::Text {
        let words = match self {
            WorkflowError::NotNow { action, .. }
            | WorkflowError::NotAllowed { action }
            | WorkflowError::ReasonRequired { action }
            | WorkflowError::ItemsRequired { action } => action_words(action),
        };
        let m = match self {
            WorkflowError::NotNow { state, .. } => {
                crate::msg!("wf-not-now", action = words.0, state = state.zh())
                    .en_arg("state", state.as_str().replace('_', " "))
            }
            WorkflowError::NotAllowed { .. } => crate::msg!("wf-not-allowed", action = words.0),
            WorkflowError::ReasonRequired { .. } => crate::msg!("wf-reason", action = words.0),
            WorkflowError::ItemsRequired { .. } => crate::msg!("wf-items", action = words.0),
        };
        m.en_arg("action", words.1).text()
    }
}

/// Both languages, `中文 / English`.
impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text())
    }
}

/// The state after `action` by `actor` on an appraisal in `state`. `has_self` says whether
/// the form has a self-assessment.
pub fn next(
    state: State,
    action: &Action,
    actor: Actor,
    has_self: bool,
) -> Result<State, WorkflowError> {
    use Action as A;
    use State as S;
    let name = action.name();
    let need = |text: &str| {
        if text.trim().is_empty() {
            Err(WorkflowError::ReasonRequired { action: name })
        } else {
            Ok(())
        }
    };
    let items = |v: &[String]| {
        if v.is_empty() {
            Err(WorkflowError::ItemsRequired { action: name })
        } else {
            Ok(())
        }
    };
    let allowed: &[Actor] = match action {
        A::DataComplete => &[Actor::Clerk, Actor::Hr, Actor::System],
        A::SubmitSelf | A::Sign { .. } | A::Appeal { .. } => &[Actor::Appraisee],
        A::RatingsComplete => &[Actor::Rater, Actor::Hr, Actor::System],
        A::ReviewPass | A::ReviewReturn { .. } => &[Actor::Reviewer],
        A::Approve | A::Reject { .. } => &[Actor::Approver],
        A::AutoConfirm => &[Actor::System],
        A::Uphold { .. } | A::Reopen { .. } | A::Correct { .. } => &[Actor::Hr],
    };
    if !allowed.contains(&actor) {
        return Err(WorkflowError::NotAllowed { action: name });
    }
    let to = match (state, action) {
        (S::DataEntry, A::DataComplete) => {
            if has_self {
                S::SelfAssessment
            } else {
                S::Rating
            }
        }
        (S::SelfAssessment, A::SubmitSelf) => S::Rating,
        (S::Rating, A::RatingsComplete) => S::Review,
        (S::Review, A::ReviewPass) => S::Approval,
        (S::Review, A::ReviewReturn { reason }) => {
            need(reason)?;
            S::Rating
        }
        (S::Approval, A::Approve) => S::Published,
        (S::Approval, A::Reject { reason }) => {
            need(reason)?;
            S::Review
        }
        (S::Published, A::Sign { name: who }) => {
            need(who)?;
            S::Confirmed
        }
        (S::Published, A::AutoConfirm) => S::Confirmed,
        (S::Published, A::Appeal { reason, items: v }) => {
            need(reason)?;
            items(v)?;
            S::Appealed
        }
        (S::Appealed, A::Uphold { reason }) => {
            need(reason)?;
            S::Confirmed
        }
        (S::Appealed, A::Reopen { reason, items: v }) => {
            need(reason)?;
            items(v)?;
            S::Rating
        }
        (S::Confirmed, A::Correct { reason }) => {
            need(reason)?;
            S::Rating
        }
        (s, _) => {
            return Err(WorkflowError::NotNow {
                action: name,
                state: s,
            });
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use State as S;

    fn go(s: S, a: A, who: Actor) -> S {
        next(s, &a, who, true).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_month_from_data_to_signature() {
        let mut s = S::DataEntry;
        s = go(s, A::DataComplete, Actor::Clerk);
        assert_eq!(s, S::SelfAssessment);
        s = go(s, A::SubmitSelf, Actor::Appraisee);
        s = go(s, A::RatingsComplete, Actor::Rater);
        s = go(s, A::ReviewPass, Actor::Reviewer);
        s = go(s, A::Approve, Actor::Approver);
        assert_eq!(s, S::Published);
        assert_eq!(
            go(
                s,
                A::Sign {
                    name: "张伟".into()
                },
                Actor::Appraisee
            ),
            S::Confirmed
        );
        assert_eq!(
            go(s, A::AutoConfirm, Actor::System),
            S::Confirmed,
            "视为默认"
        );
        assert_eq!(
            next(S::DataEntry, &A::DataComplete, Actor::Clerk, false),
            Ok(S::Rating),
            "no self-assessment on the form"
        );
    }

    #[test]
    fn appeals_are_upheld_or_reopen_the_items() {
        let appeal = A::Appeal {
            reason: "新增客户未计入".into(),
            items: vec!["sales".into()],
        };
        let s = go(S::Published, appeal, Actor::Appraisee);
        assert_eq!(s, S::Appealed);
        assert_eq!(
            go(
                s,
                A::Uphold {
                    reason: "经核实无误".into()
                },
                Actor::Hr
            ),
            S::Confirmed
        );
        assert_eq!(
            go(
                s,
                A::Reopen {
                    reason: "漏计一个新客户".into(),
                    items: vec!["sales".into()]
                },
                Actor::Hr
            ),
            S::Rating
        );
        assert_eq!(
            next(
                S::Published,
                &A::Appeal {
                    reason: "不服".into(),
                    items: vec![]
                },
                Actor::Appraisee,
                true
            ),
            Err(WorkflowError::ItemsRequired { action: "appeal" })
        );
        assert_eq!(
            next(
                S::Appealed,
                &A::Uphold { reason: " ".into() },
                Actor::Hr,
                true
            ),
            Err(WorkflowError::ReasonRequired { action: "uphold" })
        );
    }

    #[test]
    fn a_final_appraisal_changes_only_by_a_reasoned_correction() {
        for a in [
            A::Sign { name: "x".into() },
            A::AutoConfirm,
            A::Approve,
            A::RatingsComplete,
        ] {
            let who = match a {
                A::Sign { .. } => Actor::Appraisee,
                A::AutoConfirm => Actor::System,
                A::Approve => Actor::Approver,
                _ => Actor::Rater,
            };
            assert!(
                matches!(
                    next(S::Confirmed, &a, who, true),
                    Err(WorkflowError::NotNow { .. })
                ),
                "{a:?}"
            );
        }
        assert_eq!(
            next(
                S::Confirmed,
                &A::Correct { reason: "".into() },
                Actor::Hr,
                true
            ),
            Err(WorkflowError::ReasonRequired { action: "correct" })
        );
        assert_eq!(
            go(
                S::Confirmed,
                A::Correct {
                    reason: "计算口径调整".into()
                },
                Actor::Hr
            ),
            S::Rating
        );
    }

    #[test]
    fn only_the_right_people_act() {
        assert_eq!(
            next(S::Review, &A::ReviewPass, Actor::Rater, true),
            Err(WorkflowError::NotAllowed {
                action: "review_pass"
            })
        );
        assert_eq!(
            next(S::Approval, &A::Approve, Actor::Reviewer, true),
            Err(WorkflowError::NotAllowed { action: "approve" })
        );
        assert_eq!(
            next(S::Published, &A::Sign { name: "x".into() }, Actor::Hr, true),
            Err(WorkflowError::NotAllowed { action: "sign" })
        );
        assert_eq!(
            next(S::Published, &A::AutoConfirm, Actor::Hr, true),
            Err(WorkflowError::NotAllowed {
                action: "auto_confirm"
            })
        );
        assert_eq!(
            next(
                S::Appealed,
                &A::Reopen {
                    reason: "r".into(),
                    items: vec!["a".into()]
                },
                Actor::Appraisee,
                true
            ),
            Err(WorkflowError::NotAllowed { action: "reopen" })
        );
    }

    #[test]
    fn returns_need_reasons_and_go_back_one_step() {
        assert_eq!(
            go(
                S::Review,
                A::ReviewReturn {
                    reason: "评分依据不足".into()
                },
                Actor::Reviewer
            ),
            S::Rating
        );
        assert_eq!(
            go(
                S::Approval,
                A::Reject {
                    reason: "请复核考勤".into()
                },
                Actor::Approver
            ),
            S::Review
        );
        assert_eq!(
            next(
                S::Review,
                &A::ReviewReturn {
                    reason: String::new()
                },
                Actor::Reviewer,
                true
            ),
            Err(WorkflowError::ReasonRequired {
                action: "review_return"
            })
        );
        let err = next(S::DataEntry, &A::Approve, Actor::Approver, true).unwrap_err();
        assert!(
            err.to_string()
                .contains("考核表处于「数据录入」，现在不能审批通过"),
            "{err}"
        );
    }

    #[test]
    fn states_round_trip_through_storage() {
        for s in [
            S::DataEntry,
            S::SelfAssessment,
            S::Rating,
            S::Review,
            S::Approval,
            S::Published,
            S::Appealed,
            S::Confirmed,
        ] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("nope"), None);
    }
}
