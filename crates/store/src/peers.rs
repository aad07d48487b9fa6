//! Peer and 360 ratings (同事评分, issue 16). A form's `[[rater]]` may be a peer group
//! (`peers = N`, `min_answers = K`, `pick`): at launch every appraisee gets N `rate` tasks for
//! that role, one per colleague, marked with K (`tasks.peer_min`, migration 0019). A peer's
//! answers stay on their own task (`tasks.answers`); the appraisal's column `<item>@<role>`
//! holds only the mean of the answers, and only once K answered (until then it is empty and
//! scored as 不适用, so the other raters' weights are renormalised). The policy
//! ([`crate::policy::answer_as_peer`], [`crate::policy::show_own_answers`]) decides what a
//! peer may do and see: the appraisee's name, the items and their own answers.

use super::*;
use kaohe_core::model::{InputKind, PeerGroup, PeerPick};
use rust_decimal::{Decimal, RoundingStrategy};

/// What a peer group's column reads while fewer than `min_answers` answered.
pub const NOT_YET: &str = "不适用";

/// Is `rater` a peer group of the form?
pub fn is_peer_role(t: &Template, rater: &str) -> bool {
    t.raters.iter().any(|r| r.id == rater && r.peers.is_some())
}

/// The form's peer groups: (rater id, group).
pub fn peer_groups(t: &Template) -> Vec<(String, PeerGroup)> {
    t.raters
        .iter()
        .filter_map(|r| r.peers.clone().map(|g| (r.id.clone(), g)))
        .collect()
}

/// The peers the rule picks for `me` among `dept` (the department's employees' numbers,
/// sorted, `me` among them or not): the next `n` after `me`, wrapping round, leaving out `me`
/// and `skip` — so over a department everyone rates about as many as rate them. Fewer
/// colleagues than `n`: all of them.
pub fn rotate_peers<'a>(dept: &'a [String], me: &str, n: usize, skip: &[&str]) -> Vec<&'a str> {
    let m = dept.len();
    if m == 0 {
        return Vec::new();
    }
    // `dept` is sorted: found in log time (a department may hold thousands).
    let start = match dept.binary_search_by(|x| x.as_str().cmp(me)) {
        Ok(i) => i + 1,
        Err(i) => i,
    };
    (0..m)
        .map(|k| dept[(start + k) % m].as_str())
        .filter(|x| *x != me && !skip.contains(x))
        .take(n)
        .collect()
}

/// The mean of a peer group's answers for input `slot`, as the column stores it: `None` when
/// fewer than `min` answered it (不适用 counts as no answer). Exact, then rounded half-up to the
/// form's `decimals` (a level or a count to a whole number), as the sheet writes numbers.
pub(crate) fn peer_mean(t: &Template, slot: u32, answers: &[&str], min: usize) -> Option<String> {
    let nums: Vec<Decimal> = answers
        .iter()
        .filter_map(|a| match kaohe_core::input::parse_cell(t, slot, a.trim()) {
            Ok(kaohe_core::engine::Val::Num(d)) => Some(d),
            _ => None,
        })
        .collect();
    if nums.is_empty() || nums.len() < min {
        return None;
    }
    let sum = nums
        .iter()
        .try_fold(Decimal::ZERO, |s, d| s.checked_add(*d))?;
    let mean = sum.checked_div(Decimal::from(nums.len()))?;
    let dp = match t.inputs[slot as usize].kind {
        InputKind::Count => 0,
        _ => t.form.decimals,
    };
    Some(kaohe_core::num::fmt(mean.round_dp_with_strategy(
        dp,
        RoundingStrategy::MidpointAwayFromZero,
    )))
}

/// What HR sees of one peer of an appraisal: who, and whether they answered — never what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeerStatus {
    pub task_id: i64,
    /// The peer group's rater id.
    pub rater: String,
    pub emp_no: String,
    pub name: String,
    pub answered: bool,
    pub answered_at: Option<String>,
    /// The reader's own task.
    pub yours: bool,
}

/// An appraisee at launch, as the peer rule reads them.
pub(super) struct PeerMember<'a> {
    pub appraisal_id: i64,
    pub employee_id: i64,
    pub emp_no: &'a str,
    pub dept: &'a str,
    pub supervisor: Option<i64>,
}

/// Who the peer rules choose from: the active employees by department (工号 sorted), and
/// every employee's id by 工号 (HR's lists may name people no longer active).
pub(super) struct PeerPool {
    by_dept: HashMap<String, Vec<String>>,
    id_of: HashMap<String, i64>,
    no_of: HashMap<i64, String>,
    all_ids: HashMap<String, i64>,
}

impl PeerPool {
    pub(super) async fn load(c: &mut sqlx::AnyConnection) -> Result<PeerPool> {
        let mut pool = PeerPool {
            by_dept: HashMap::new(),
            id_of: HashMap::new(),
            no_of: HashMap::new(),
            all_ids: HashMap::new(),
        };
        for r in sqlx::query(
            "SELECT e.id, e.emp_no, CASE WHEN e.active THEN 1 ELSE 0 END AS active, d.name AS dept FROM employees e JOIN departments d ON d.id = e.department_id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            let no: String = r.get("emp_no");
            let id: i64 = r.get("id");
            pool.all_ids.insert(no.clone(), id);
            if r.get::<i64, _>("active") != 0 {
                pool.by_dept.entry(r.get("dept")).or_default().push(no.clone());
                pool.id_of.insert(no.clone(), id);
                pool.no_of.insert(id, no);
            }
        }
        // 工号 order as Rust sorts text, the same on both databases whatever their collation.
        for v in pool.by_dept.values_mut() {
            v.sort();
        }
        Ok(pool)
    }

    /// The peers of group `g` for appraisee `m`: HR's list (`members.peers`) when it names
    /// them, else by the group's rule — active colleagues of their department (not the
    /// appraisee, nor their direct supervisor, who rates already), by rotation in 工号 order
    /// (同部门), or nobody (HR指定 without a list). Employee ids, each once.
    pub(super) fn chosen(&self, cy: &Cycle, m: &PeerMember<'_>, g: &PeerGroup) -> Vec<i64> {
        let mut chosen: Vec<i64> = match cy.members.peers.get(m.emp_no) {
            Some(list) => list
                .iter()
                .filter_map(|no| self.all_ids.get(no).copied())
                .collect(),
            None if g.pick == PeerPick::SameDepartment => {
                let sup = m
                    .supervisor
                    .and_then(|s| self.no_of.get(&s))
                    .map(String::as_str);
                let skip: Vec<&str> = sup.into_iter().collect();
                let dept = self.by_dept.get(m.dept).map_or(&[][..], Vec::as_slice);
                rotate_peers(dept, m.emp_no, g.size as usize, &skip)
                    .into_iter()
                    .filter_map(|no| self.id_of.get(no).copied())
                    .collect()
            }
            None => Vec::new(),
        };
        let mut seen = Vec::new();
        chosen.retain(|id| {
            *id != m.employee_id && !seen.contains(id) && {
                seen.push(*id);
                true
            }
        });
        chosen
    }

    /// The appraisees whose peers, for some group, are fewer than the answers the group
    /// needs: their peer items could never be scored (不适用).
    pub(super) fn short(
        &self,
        cy: &Cycle,
        t: &Template,
        members: &[(PeerMember<'_>, &str)],
    ) -> Vec<ShortOfPeers> {
        let mut out = Vec::new();
        for (m, name) in members {
            for r in &t.raters {
                let Some(g) = &r.peers else { continue };
                let found = self.chosen(cy, m, g).len();
                if found < g.min_answers as usize {
                    out.push(ShortOfPeers {
                        emp_no: m.emp_no.to_string(),
                        name: name.to_string(),
                        rater: r.id.clone(),
                        rater_name: r.name.clone(),
                        rater_name_en: r.name_en.clone(),
                        found,
                        needed: g.min_answers as usize,
                        hr_pick: g.pick == PeerPick::Hr && !cy.members.peers.contains_key(m.emp_no),
                    });
                }
            }
        }
        out
    }
}

impl Db {
    /// Launch: each appraisee's peer tasks, for every peer group of the form — HR's list
    /// (`members.peers`) when it names the appraisee, else by the group's rule: active
    /// colleagues of their department (not the appraisee, nor their direct supervisor, who
    /// rates already), by rotation in 工号 order. Returns how many tasks were made.
    pub(super) async fn launch_peer_tasks(
        tx: &mut WriteTx,
        cy: &Cycle,
        t: &Template,
        members: &[PeerMember<'_>],
    ) -> Result<usize> {
        let groups = peer_groups(t);
        if groups.is_empty() {
            return Ok(0);
        }
        let pool = PeerPool::load(tx).await?;
        // (appraisal, rater, assignee, min answers)
        let mut rows: Vec<(i64, String, i64, i64)> = Vec::new();
        for m in members {
            for (rid, g) in &groups {
                for p in pool.chosen(cy, m, g) {
                    rows.push((m.appraisal_id, rid.clone(), p, i64::from(g.min_answers)));
                }
            }
        }
        let k = rows.len();
        if k == 0 {
            return Ok(0);
        }
        tx.bulk_insert(
            "tasks",
            &[
                "cycle_id",
                "appraisal_id",
                "kind",
                "rater",
                "assignee_id",
                "status",
                "due",
                "peer_min",
            ],
            vec![
                BulkCol::Int(vec![Some(cy.id); k]),
                BulkCol::Int(rows.iter().map(|r| Some(r.0)).collect()),
                BulkCol::Text(vec![Some("rate".to_string()); k]),
                BulkCol::Text(rows.iter().map(|r| Some(r.1.clone())).collect()),
                BulkCol::Int(rows.iter().map(|r| Some(r.2)).collect()),
                BulkCol::Text(vec![Some("open".to_string()); k]),
                BulkCol::Text(vec![cy.rating_due.clone(); k]),
                BulkCol::Int(rows.iter().map(|r| Some(r.3)).collect()),
            ],
        )
        .await?;
        Ok(k)
    }

    /// Check HR's peer lists of a cycle: every 工号 known, nobody their own peer, the form
    /// has a peer group. Problems name the field `members.peers.<工号>`.
    pub(super) async fn check_peer_lists(
        c: &mut sqlx::AnyConnection,
        t: &Template,
        members: &Members,
        problems: &mut Vec<(String, Text)>,
    ) -> Result<()> {
        if members.peers.is_empty() {
            return Ok(());
        }
        if peer_groups(t).is_empty() {
            problems.push(("members.peers".into(), text!("peers-no-group")));
            return Ok(());
        }
        for (emp, list) in &members.peers {
            let field = format!("members.peers.{emp}");
            for no in std::iter::once(emp).chain(list) {
                if sqlx::query("SELECT id FROM employees WHERE emp_no = $1")
                    .bind(no)
                    .fetch_optional(&mut *c)
                    .await?
                    .is_none()
                {
                    problems.push((field.clone(), text!("no-emp-no", emp_no = no)));
                }
            }
            if list.iter().any(|p| p == emp) {
                problems.push((field.clone(), text!("peers-self", emp_no = emp)));
            }
            if list.len() > kaohe_core::model::MAX_PEERS as usize {
                problems.push((
                    field.clone(),
                    text!(
                        "peers-too-many",
                        max = kaohe_core::model::MAX_PEERS.to_string()
                    ),
                ));
            }
            let mut sorted = list.clone();
            sorted.sort();
            if sorted.windows(2).any(|w| w[0] == w[1]) {
                problems.push((field, text!("peers-twice")));
            }
        }
        Ok(())
    }

    /// A peer's answers for the groups they rate on appraisal `a` (read at `version`): kept on
    /// their task, audited without the values (nobody reads a peer's answers but the peer);
    /// then, in the same transaction, each group column set to the mean of the group's answers
    /// when at least `min_answers` answered, else cleared (scored as 不适用), and the appraisal
    /// scored anew. The appraisal as the peer sees it.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn peer_answer(
        &self,
        mut tx: WriteTx,
        who: &User,
        roles: &Roles,
        mut a: Appraisal,
        version: i64,
        (cy, t): (&Cycle, &Template),
        owners: &[Owner],
        values: &Values,
    ) -> Result<Appraisal> {
        // Each value goes to the peer's task of the group that owns its column.
        let mut refused: Vec<(String, Text)> = Vec::new();
        let mut per_task: BTreeMap<i64, (String, Values)> = BTreeMap::new();
        for (k, v) in values {
            let owner = slot_of(t, k).and_then(|s| owners.get(s as usize));
            let rater = match owner {
                Some(Owner::Rater(r)) if is_peer_role(t, r) => r,
                _ => {
                    refused.push((k.clone(), text!("peers-only-yours")));
                    continue;
                }
            };
            match policy::answer_as_peer(roles, a.state, rater) {
                Ok(task) => {
                    per_task
                        .entry(task)
                        .or_insert_with(|| (rater.clone(), Values::new()))
                        .1
                        .insert(k.clone(), v.clone());
                }
                Err(d) => refused.push((k.clone(), d.text())),
            }
        }
        if !refused.is_empty() {
            return Err(StoreError::Forbidden(in_words(t, &refused)));
        }
        check_values(t, values)?;
        let at = now();
        let mut audits = Vec::new();
        let mut groups: Vec<String> = Vec::new();
        for (task, (rater, vals)) in &per_task {
            let stored: Option<String> = sqlx::query("SELECT answers FROM tasks WHERE id = $1")
                .bind(*task)
                .fetch_one(&mut *tx)
                .await?
                .get("answers");
            let old: Values = match stored {
                Some(s) => read_json(&s, "tasks", *task, "answers")?,
                None => Values::new(),
            };
            let mut new = old.clone();
            overlay(&mut new, vals);
            if new == old {
                continue;
            }
            let answered = !new.is_empty();
            sqlx::query(
                "UPDATE tasks SET answers = $1, answered_at = $2, status = $3, done_at = $4, done_by = $5 WHERE id = $6",
            )
            .bind(answered.then(|| json(&new)))
            .bind(answered.then(|| at.clone()))
            .bind(if answered { "done" } else { "open" })
            .bind(answered.then(|| at.clone()))
            .bind(answered.then(|| who.username.clone()))
            .bind(*task)
            .execute(&mut *tx)
            .await?;
            // Which items were answered, never what: the values are the peer's alone.
            let keys = |v: &Values| json(&v.keys().collect::<Vec<_>>());
            audits.push(NewAudit {
                actor: who.username.clone(),
                action: "peer.answer".into(),
                entity: "task".into(),
                entity_id: task.to_string(),
                old_value: Some(keys(&old)),
                new_value: Some(keys(&new)),
                ..Default::default()
            });
            if !groups.contains(rater) {
                groups.push(rater.clone());
            }
        }
        // The groups' columns: the mean of every peer's answers, once enough answered.
        let mut means = Values::new();
        for rater in &groups {
            let Some(ri) = t.raters.iter().position(|r| &r.id == rater) else {
                continue;
            };
            let min = t.raters[ri].peers.as_ref().map_or(1, |g| g.min_answers) as usize;
            let mut answers: Vec<Values> = Vec::new();
            for r in sqlx::query(
                "SELECT id, answers FROM tasks WHERE appraisal_id = $1 AND rater = $2 AND peer_min IS NOT NULL AND answers IS NOT NULL",
            )
            .bind(a.id)
            .bind(rater)
            .fetch_all(&mut *tx)
            .await?
            {
                answers.push(read_json(
                    &r.get::<String, _>("answers"),
                    "tasks",
                    r.get("id"),
                    "answers",
                )?);
            }
            for (slot, inp) in t.inputs.iter().enumerate() {
                if inp.rater != Some(ri) {
                    continue;
                }
                let texts: Vec<&str> = answers
                    .iter()
                    .filter_map(|m| m.get(&inp.id).map(String::as_str))
                    .collect();
                let mean = peer_mean(t, slot as u32, &texts, min).unwrap_or_default();
                if a.inputs.get(&inp.id).map(String::as_str).unwrap_or("") != mean {
                    means.insert(inp.id.clone(), mean);
                }
            }
        }
        if !means.is_empty() {
            let old = a.inputs.clone();
            overlay(&mut a.inputs, &means);
            Self::save(&mut tx, &mut a, version).await?;
            if let Some((o, n)) = diff(&old, &a.inputs) {
                // Written by no one: whose answer tipped the mean is not to be read here.
                audits.push(NewAudit {
                    actor: "system".into(),
                    action: "appraisal.peer_mean".into(),
                    entity: "appraisal".into(),
                    entity_id: a.id.to_string(),
                    old_value: Some(o),
                    new_value: Some(n),
                    ..Default::default()
                });
            }
            Self::rescore(&mut tx, cy, t, Some(&[a.id])).await?;
        }
        if !audits.is_empty() {
            self.append_audits(&mut tx, &audits).await?;
        }
        let (mut a, _) = Self::load_appraisal(&mut tx, a.id).await?;
        Self::redact(&mut tx, &mut a, roles, &mut HashMap::new()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// The answers `roles`' peer tasks hold, for [`policy::show_own_answers`].
    pub(super) async fn own_answers(c: &mut sqlx::AnyConnection, roles: &Roles) -> Result<Values> {
        let mut out = Values::new();
        for p in &roles.peer {
            let stored: Option<String> = sqlx::query("SELECT answers FROM tasks WHERE id = $1")
                .bind(p.task_id)
                .fetch_optional(&mut *c)
                .await?
                .and_then(|r| r.get("answers"));
            if let Some(s) = stored {
                out.extend(read_json::<Values>(&s, "tasks", p.task_id, "answers")?);
            }
        }
        Ok(out)
    }

    /// Who the peers of appraisal `id` are and whether each answered — for HR (to chase
    /// them); a peer gets their own line; anyone else is refused. Never the answers.
    pub(crate) async fn peer_status_impl(&self, who: &User, id: i64) -> Result<Vec<PeerStatus>> {
        let mut c = self.reader.acquire().await?;
        let (_, roles) = Self::load_with_roles(&mut c, who, id).await?;
        if !roles.sees() {
            return Err(StoreError::NotFound {
                what: Thing::Appraisal,
                key: id.to_string(),
            });
        }
        let all = policy::sees_peer_names(&roles);
        if !all && roles.peer.is_empty() {
            return Err(policy::hr_only().into());
        }
        let rows = sqlx::query(
            "SELECT t.id, t.rater, t.answered_at, t.answers, e.emp_no, e.name FROM tasks t JOIN employees e ON e.id = t.assignee_id \
             WHERE t.appraisal_id = $1 AND t.peer_min IS NOT NULL ORDER BY e.emp_no, t.id",
        )
        .bind(id)
        .fetch_all(&mut *c)
        .await?;
        Ok(rows
            .iter()
            .filter(|r| {
                all || roles
                    .peer
                    .iter()
                    .any(|p| p.task_id == r.get::<i64, _>("id"))
            })
            .map(|r| PeerStatus {
                task_id: r.get("id"),
                rater: r.get::<Option<String>, _>("rater").unwrap_or_default(),
                emp_no: r.get("emp_no"),
                name: r.get("name"),
                answered: r.get::<Option<String>, _>("answers").is_some(),
                answered_at: r.get("answered_at"),
                yours: roles
                    .peer
                    .iter()
                    .any(|p| p.task_id == r.get::<i64, _>("id")),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_rotate_in_emp_no_order_without_oneself() {
        let d: Vec<String> = ["A1", "A2", "A3", "A4", "A5"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(rotate_peers(&d, "A1", 2, &[]), ["A2", "A3"]);
        assert_eq!(rotate_peers(&d, "A4", 3, &[]), ["A5", "A1", "A2"]);
        assert_eq!(rotate_peers(&d, "A5", 9, &[]), ["A1", "A2", "A3", "A4"]);
        assert_eq!(rotate_peers(&d, "A2", 2, &["A3"]), ["A4", "A5"]);
        // Everyone rates as many as rate them.
        let mut load: HashMap<&str, usize> = HashMap::new();
        for me in &d {
            for p in rotate_peers(&d, me, 3, &[]) {
                *load.entry(p).or_default() += 1;
            }
        }
        assert!(load.values().all(|n| *n == 3), "{load:?}");
        assert!(rotate_peers(&[], "A1", 3, &[]).is_empty());
    }
}
