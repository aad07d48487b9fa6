//! The access policy: the one place that decides who may do what to which appraisal, cycle
//! or department, and which fields of an appraisal they may see.
//!
//! Pure: the facts (a user's grants, what they are to an appraisal) are gathered by the
//! store; the decisions are made here, and the store, the JSON API, the pages and the command
//! line all ask this module instead of deciding for themselves.
//!
//! - **Capabilities** ([`Capability`]) are the operations that are not about one appraisal
//!   (the organisation, templates, cycles, results, payroll, the audit log). [`require`]
//!   answers with the [`Scope`] of departments the user may see, or refuses.
//! - **Relations** ([`Roles`]) are what a user is to one appraisal: its appraisee, one of its
//!   raters, a clerk of a department that supplies its data, its reviewer or approver (each
//!   limited to the departments of their grant), or HR.
//! - **Visibility**: [`Roles::sees`] (the record at all), [`Roles::sees_scores`] (item scores,
//!   total, grade and bonus), and [`redact`] (which inputs: a department's clerk sees their
//!   department's data only — never the raters' scores nor the bonus base; an appraisee sees
//!   what they entered themselves until the result is published).
//! - **Separation of duties** ([`separation`]): nobody reviews, approves or enters data for
//!   their own appraisal, approves what they rated, or decides their own appeal — unless HR
//!   named them as an exception on the cycle (stored with the cycle, audited with it).
//! - **Delegation** (代理, [`act_for`]): while a delegation is in force the delegate does what
//!   the principal's tasks and review / approval grants allow on other people's appraisals —
//!   never on the delegate's own, and never the principal's own self-assessment or signature;
//!   what they do is recorded as theirs on the principal's behalf ([`actor`]).

use crate::cycle::{Appraisal, Notes, Owner, Values};
use crate::cycles::state_rank;
use crate::model::{Grant, Role, User};
use kaohe_core::model::Template;
use kaohe_core::workflow::State;

/// An operation that is not about a single appraisal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Departments, employees, users and their grants (HR).
    ManageOrg,
    /// Publish and try out templates (HR).
    ManageTemplates,
    /// Create, launch and score cycles; set quotas; import data; run jobs (HR).
    ManageCycles,
    /// Read and verify the audit log (HR).
    ViewAudit,
    /// Payroll and results workbooks, with everyone's bonus (HR).
    Payroll,
    /// See cycles (HR; reviewers and approvers, within their departments).
    ViewCycles,
    /// See a cycle's results and quotas (HR; reviewers and approvers, within their departments).
    ViewResults,
    /// See the employee list (HR; reviewers and approvers, within their departments).
    ViewEmployees,
    /// Enter and hand in a department's data (HR; that department's clerk).
    EnterDeptData,
}

impl Capability {
    /// The roles besides HR that hold the capability (within their grants' departments).
    fn roles(self) -> &'static [Role] {
        match self {
            Capability::ManageOrg
            | Capability::ManageTemplates
            | Capability::ManageCycles
            | Capability::ViewAudit
            | Capability::Payroll => &[],
            Capability::ViewCycles | Capability::ViewResults | Capability::ViewEmployees => {
                &[Role::Reviewer, Role::Approver]
            }
            Capability::EnterDeptData => &[Role::Clerk],
        }
    }
}

/// The departments a user may see for a capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every department.
    All,
    /// Only these departments (by id).
    Departments(Vec<i64>),
}

impl Scope {
    /// Does the scope include the department?
    pub fn contains(&self, department_id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Departments(d) => d.contains(&department_id),
        }
    }
    /// Is every department in scope?
    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }
}

/// Why the policy said no, in both languages (the edge shows the reader's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub zh: String,
    pub en: String,
}

impl Denied {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Denied {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl Denied {
    /// The refusal as text for people.
    pub fn text(&self) -> crate::Text {
        crate::Text::pair(self.zh.clone(), self.en.clone())
    }
}

impl From<Denied> for crate::StoreError {
    fn from(d: Denied) -> Self {
        crate::StoreError::Forbidden(d.text())
    }
}

/// May `user` use `cap` at all, and over which departments?
pub fn require(user: &User, cap: Capability) -> Result<Scope, Denied> {
    if user.has(Role::HrAdmin) {
        return Ok(Scope::All);
    }
    let mut depts = Vec::new();
    let mut granted = false;
    for g in user.reach.iter().filter(|g| cap.roles().contains(&g.role)) {
        granted = true;
        match g.department_id {
            None => return Ok(Scope::All),
            Some(d) if !depts.contains(&d) => depts.push(d),
            Some(_) => {}
        }
    }
    if granted {
        Ok(Scope::Departments(depts))
    } else {
        Err(Denied::new(
            "你没有权限执行此操作",
            "you are not allowed to do this",
        ))
    }
}

/// Does `user` see every appraisal of every cycle, with every input, at every state (HR)?
/// Such a reader needs no roles worked out per appraisal.
pub fn sees_every_appraisal(user: &User) -> bool {
    user.has(Role::HrAdmin)
}

/// May `user` enter and hand in the data of `department_id`?
pub fn may_enter_department(user: &User, department_id: Option<i64>) -> Result<(), Denied> {
    let ok = user.has(Role::HrAdmin)
        || (department_id.is_some()
            && user
                .reach
                .iter()
                .any(|g| g.role == Role::Clerk && g.department_id == department_id));
    if ok {
        Ok(())
    } else {
        Err(Denied::new(
            "只能录入本部门的数据",
            "you can enter only your own department's data",
        ))
    }
}

/// Does a grant of `role` reach `department_id`? Pass [`User::reach`] (the grants resolved
/// to their subtrees).
pub fn grant_reaches(grants: &[Grant], role: Role, department_id: i64) -> bool {
    grants
        .iter()
        .any(|g| g.role == role && g.department_id.is_none_or(|d| d == department_id))
}

/// What a user is to one appraisal.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// The appraisal is the user's own.
    pub appraisee: bool,
    /// (task id, rater id) of the rating tasks open for this user.
    pub open_rate: Vec<(i64, String)>,
    /// Rater ids this user was ever assigned (open or done).
    pub rater: Vec<String>,
    /// Departments whose data this user enters (as their clerk) for the appraisal's cycle.
    pub clerk: Vec<i64>,
    /// Reviewer (复核) of the appraisee's department.
    pub reviewer: bool,
    /// Approver (审批) of the appraisee's department.
    pub approver: bool,
    /// HR administrator.
    pub hr: bool,
    /// HR named the user an exception to the separation of duties on this cycle.
    pub exempt: bool,
    /// The principal whose delegated work is all the user may do on this appraisal (the user
    /// has no task nor grant of their own on it): their acts are recorded as on their behalf.
    pub on_behalf_of: Option<Principal>,
    /// The user's peer rating tasks on the appraisal (同事评分; open or answered). A peer is
    /// not a rater in the sense above: they see the appraisee's name, the items and their own
    /// answers only — no scores, no other entries — and never hand the sheet in.
    pub peer: Vec<PeerTask>,
}

/// A peer's rating task on an appraisal (同事评分).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerTask {
    pub task_id: i64,
    /// The peer group's rater id.
    pub rater: String,
}

/// Someone whose work a delegate does (代理): username and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub username: String,
    pub name: String,
}

/// How an actor acting for a principal is written in the audit log: `lisi 代 wangwu`.
pub const ON_BEHALF: &str = " 代 ";

/// The actor to record for `username` acting with `roles`: `lisi 代 wangwu` when the work is
/// a principal's, else the username.
pub fn actor(username: &str, roles: &Roles) -> String {
    match &roles.on_behalf_of {
        Some(p) => format!("{username}{ON_BEHALF}{}", p.username),
        None => username.to_string(),
    }
}

/// An audit actor split into who acted and, when they acted for someone, for whom.
pub fn split_actor(actor: &str) -> (&str, Option<&str>) {
    match actor.split_once(ON_BEHALF) {
        Some((a, p)) => (a, Some(p)),
        None => (actor, None),
    }
}

/// A delegate's roles on an appraisal, given `theirs`, what the principal is to it: the
/// principal's rating tasks (open and done, as the principal sees them) and their review and
/// approval grants. Nothing when the appraisal is the delegate's own (separation of duties)
/// or the principal's own (an appraisee's self-assessment and signature are theirs alone);
/// the principal's clerk work, HR rights and exemptions are not handed over.
pub fn act_for(roles: &mut Roles, principal: &Principal, theirs: &Roles) {
    if roles.appraisee || theirs.appraisee {
        return;
    }
    let gains = !theirs.rater.is_empty() || theirs.reviewer || theirs.approver;
    if !gains {
        return;
    }
    let own = !roles.rater.is_empty()
        || roles.reviewer
        || roles.approver
        || roles.hr
        || !roles.clerk.is_empty();
    for t in &theirs.open_rate {
        if !roles.open_rate.iter().any(|x| x.0 == t.0) {
            roles.open_rate.push(t.clone());
        }
    }
    for r in &theirs.rater {
        if !roles.rater.contains(r) {
            roles.rater.push(r.clone());
        }
    }
    roles.reviewer |= theirs.reviewer;
    roles.approver |= theirs.approver;
    if !own && roles.on_behalf_of.is_none() {
        roles.on_behalf_of = Some(principal.clone());
    }
}

/// May `who` hand the work of user `principal_id` to someone, or revoke such a delegation?
/// Their own (any user), or anyone's (HR).
pub fn may_delegate(who: &User, principal_id: i64) -> Result<(), Denied> {
    if who.id == principal_id || who.has(Role::HrAdmin) {
        Ok(())
    } else {
        Err(Denied::new(
            "只能为自己设置代理（人力资源部可为任何人设置）",
            "you can delegate only your own work (HR can for anyone)",
        ))
    }
}

/// Does `who` see every delegation (HR), not only their own?
pub fn sees_all_delegations(who: &User) -> bool {
    who.has(Role::HrAdmin)
}

/// The refusal of what only HR (over every department) may do.
pub fn hr_only() -> Denied {
    Denied::new("只有人力资源部可以执行此操作", "only HR can do this")
}

impl Roles {
    /// What `user` is to an appraisal of an employee in `department_id`, before tasks are
    /// looked at (the store adds raters and clerks from the tasks).
    pub fn of(user: &User, appraisee_id: i64, department_id: i64) -> Roles {
        Roles {
            appraisee: user.employee_id == Some(appraisee_id),
            hr: user.has(Role::HrAdmin),
            reviewer: grant_reaches(&user.reach, Role::Reviewer, department_id),
            approver: grant_reaches(&user.reach, Role::Approver, department_id),
            ..Default::default()
        }
    }
    /// May see the appraisal at all.
    pub fn sees(&self) -> bool {
        self.appraisee
            || !self.rater.is_empty()
            || !self.peer.is_empty()
            || self.reviewer
            || self.approver
            || self.hr
            || !self.clerk.is_empty()
    }
    /// Oversees the appraisal: sees every input and score at every state.
    fn oversees(&self) -> bool {
        self.hr || self.reviewer || self.approver || !self.rater.is_empty()
    }
    /// Sees item scores, total, grade and bonus (not just the data).
    pub fn sees_scores(&self, state: State) -> bool {
        self.oversees() || (self.appraisee && state_rank(state) >= state_rank(State::Published))
    }
    /// Sees the notes (self-summary, comments, interview) and the appeal.
    pub fn sees_notes(&self) -> bool {
        self.appraisee || self.oversees()
    }
}

/// May a viewer with `roles` see the input supplied by `owner`, at `state`?
pub fn sees_input(roles: &Roles, state: State, owner: &Owner) -> bool {
    if roles.sees_scores(state) {
        return true;
    }
    match owner {
        Owner::Dept(d) => roles.clerk.contains(d),
        Owner::Rater(r) => roles.appraisee && r == "self",
        Owner::Hr => false,
    }
}

/// Does redaction of inputs need the template (to know who supplies each input)?
pub fn needs_owners(roles: &Roles, state: State) -> bool {
    !roles.sees_scores(state)
}

/// Hide what a viewer may not see: scores and money until they may, the notes and the appeal
/// from those who only supply data, and every input that is neither theirs nor visible to
/// them yet. `owners` (from [`crate::input_owners`]) must be given when [`needs_owners`].
pub fn redact(a: &mut Appraisal, roles: &Roles, owners: Option<(&Template, &[Owner])>) {
    if !roles.sees_scores(a.state) {
        a.result = None;
        a.total = None;
        a.grade = None;
        a.bonus = None;
        let state = a.state;
        match owners {
            Some((t, owners)) => a.inputs.retain(|k, _| {
                crate::cycle::slot_of(t, k)
                    .and_then(|s| owners.get(s as usize))
                    .is_some_and(|o| sees_input(roles, state, o))
            }),
            None => a.inputs.clear(),
        }
    }
    if !roles.sees_notes() {
        a.notes = Notes::default();
        a.appeal = None;
    }
}

/// May a peer with `roles` answer for the peer group `rater` now? Their task's id: only on
/// the appraisal's rating stage, never on their own appraisal.
pub fn answer_as_peer(roles: &Roles, state: State, rater: &str) -> Result<i64, Denied> {
    let Some(t) = roles.peer.iter().find(|p| p.rater == rater) else {
        return Err(Denied::new(
            "你不是该考核表的同事评分人",
            "you are not a peer rater of this appraisal",
        ));
    };
    if roles.appraisee {
        return Err(Denied::new(
            "不能为自己的考核表评分",
            "you cannot rate your own appraisal",
        ));
    }
    if state != State::Rating {
        return Err(Denied::new(
            "考核表已不在评分阶段，同事评分不能再修改",
            "the appraisal has left rating: peer answers can no longer be changed",
        ));
    }
    Ok(t.task_id)
}

/// What a peer sees of their own answers: the group's columns hold the peer's own answers
/// (`own`, from their tasks), never the group's mean nor anyone else's; others see nothing of
/// a peer's task. Call after [`redact`].
pub fn show_own_answers(
    a: &mut Appraisal,
    roles: &Roles,
    owners: &[(String, String)],
    own: Values,
) {
    if roles.peer.is_empty() {
        return;
    }
    // The group's columns: (input id, rater id) of every column a group of theirs fills.
    a.inputs.retain(|k, _| {
        !owners
            .iter()
            .any(|(i, r)| i == k && roles.peer.iter().any(|p| &p.rater == r))
    });
    a.inputs.extend(own);
}

/// Does `roles` see who a peer group's raters are and whether each answered (HR, to chase
/// them)? Nobody sees another's answers.
pub fn sees_peer_names(roles: &Roles) -> bool {
    roles.hr
}

/// A duty that must not fall to someone with a stake in the appraisal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Pass review or return to the raters (复核).
    Review,
    /// Approve or send back (审批).
    Approve,
    /// Enter data or a rating that is not the appraisee's own self-assessment.
    Enter,
    /// Uphold, reopen or correct (HR's decisions on an appeal or a result).
    Decide,
}

/// Separation of duties: may a person with `roles` perform `duty` on the appraisal?
pub fn separation(roles: &Roles, duty: Duty) -> Result<(), Denied> {
    if roles.exempt {
        return Ok(());
    }
    if roles.appraisee {
        return Err(match duty {
            Duty::Review => Denied::new(
                "不能复核自己的考核表",
                "you cannot review your own appraisal",
            ),
            Duty::Approve => Denied::new(
                "不能审批自己的考核表",
                "you cannot approve your own appraisal",
            ),
            Duty::Enter => Denied::new(
                "不能为自己的考核表录入数据或评分",
                "you cannot enter data or scores for your own appraisal",
            ),
            Duty::Decide => Denied::new(
                "不能处理自己的考核表或申诉",
                "you cannot decide on your own appraisal or appeal",
            ),
        });
    }
    if duty == Duty::Approve && !roles.rater.is_empty() {
        return Err(Denied::new(
            "不能审批自己评过分的考核表",
            "you cannot approve an appraisal you rated",
        ));
    }
    Ok(())
}

/// May `user` change the contact details and notification choices of the account
/// `target_user_id`? Their own, or anyone's with HR's grant.
pub fn may_edit_contact(user: &User, target_user_id: i64) -> Result<(), Denied> {
    if user.id == target_user_id || user.has(Role::HrAdmin) {
        Ok(())
    } else {
        Err(Denied::new(
            "只能修改自己的联系方式和通知设置",
            "you can change only your own contact details and notification settings",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(grants: &[(Role, Option<i64>)], employee_id: Option<i64>) -> User {
        User {
            id: 1,
            username: "u".into(),
            employee_id,
            lang: "zh-CN".into(),
            disabled: false,
            code_pending: false,
            grants: grants
                .iter()
                .map(|(role, department_id)| Grant {
                    role: *role,
                    department_id: *department_id,
                })
                .collect(),
            reach: grants
                .iter()
                .map(|(role, department_id)| Grant {
                    role: *role,
                    department_id: *department_id,
                })
                .collect(),
        }
    }

    #[test]
    fn scopes_follow_grants() {
        assert_eq!(
            require(&user(&[(Role::HrAdmin, None)], None), Capability::Payroll),
            Ok(Scope::All)
        );
        let scoped = user(
            &[(Role::Reviewer, Some(3)), (Role::Approver, Some(4))],
            None,
        );
        assert_eq!(
            require(&scoped, Capability::ViewResults),
            Ok(Scope::Departments(vec![3, 4]))
        );
        assert!(require(&scoped, Capability::Payroll).is_err());
        assert!(
            require(
                &user(&[(Role::Clerk, Some(3))], None),
                Capability::ViewResults
            )
            .is_err()
        );
        assert_eq!(
            require(
                &user(&[(Role::Reviewer, None)], None),
                Capability::ViewCycles
            ),
            Ok(Scope::All)
        );
    }

    #[test]
    fn nobody_handles_their_own() {
        let own = Roles {
            appraisee: true,
            reviewer: true,
            approver: true,
            hr: true,
            ..Default::default()
        };
        for d in [Duty::Review, Duty::Approve, Duty::Enter, Duty::Decide] {
            assert!(separation(&own, d).is_err(), "{d:?}");
        }
        let rated = Roles {
            approver: true,
            rater: vec!["supervisor".into()],
            ..Default::default()
        };
        assert!(separation(&rated, Duty::Approve).is_err());
        assert!(separation(&rated, Duty::Review).is_ok());
        let exempt = Roles {
            exempt: true,
            ..own
        };
        assert!(separation(&exempt, Duty::Approve).is_ok());
    }

    #[test]
    fn a_delegate_gains_the_principals_work_never_on_their_own() {
        let p = Principal {
            username: "wangwu".into(),
            name: "王五".into(),
        };
        let theirs = Roles {
            open_rate: vec![(7, "supervisor".into())],
            rater: vec!["supervisor".into()],
            approver: true,
            hr: true,
            clerk: vec![3],
            exempt: true,
            ..Default::default()
        };
        let mut stranger = Roles::default();
        act_for(&mut stranger, &p, &theirs);
        assert_eq!(stranger.open_rate, theirs.open_rate);
        assert!(stranger.approver && stranger.sees_scores(State::Rating));
        // Neither HR's rights, a clerk's data nor an exemption is handed over.
        assert!(!stranger.hr && stranger.clerk.is_empty() && !stranger.exempt);
        assert_eq!(stranger.on_behalf_of.as_ref(), Some(&p));
        assert_eq!(actor("lisi", &stranger), "lisi 代 wangwu");
        assert_eq!(split_actor("lisi 代 wangwu"), ("lisi", Some("wangwu")));
        // Approving what the principal rated stays refused.
        assert!(separation(&stranger, Duty::Approve).is_err());
        // On the delegate's own appraisal: nothing.
        let mut own = Roles {
            appraisee: true,
            ..Default::default()
        };
        act_for(&mut own, &p, &theirs);
        assert!(own.open_rate.is_empty() && !own.approver && own.on_behalf_of.is_none());
        assert!(!own.sees_scores(State::Rating));
        // On the principal's own: nothing either.
        let mut theirs_own = Roles::default();
        act_for(
            &mut theirs_own,
            &p,
            &Roles {
                appraisee: true,
                ..Default::default()
            },
        );
        assert!(!theirs_own.sees());
        // Work of their own besides: acts are theirs, not on behalf.
        let mut reviewer = Roles {
            reviewer: true,
            ..Default::default()
        };
        act_for(&mut reviewer, &p, &theirs);
        assert_eq!(actor("lisi", &reviewer), "lisi");
    }

    #[test]
    fn clerks_see_their_department_only() {
        let clerk = Roles {
            clerk: vec![7],
            ..Default::default()
        };
        assert!(!clerk.sees_scores(State::Confirmed));
        assert!(sees_input(&clerk, State::Rating, &Owner::Dept(7)));
        assert!(!sees_input(&clerk, State::Rating, &Owner::Dept(8)));
        assert!(!sees_input(&clerk, State::Rating, &Owner::Hr));
        assert!(!sees_input(
            &clerk,
            State::Confirmed,
            &Owner::Rater("supervisor".into())
        ));
        let me = Roles {
            appraisee: true,
            ..Default::default()
        };
        assert!(!sees_input(
            &me,
            State::Review,
            &Owner::Rater("supervisor".into())
        ));
        assert!(sees_input(&me, State::Review, &Owner::Rater("self".into())));
        assert!(sees_input(
            &me,
            State::Published,
            &Owner::Rater("supervisor".into())
        ));
    }
}
