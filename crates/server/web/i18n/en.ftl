# The web pages' text in English. Keys match zh-CN.ftl one for one; templates use t("key").

## Common
app-name = kaohe
app-tagline = Performance appraisal
nav-tasks = My tasks
nav-ledger = My ledger
nav-hr = HR
nav-main = Main navigation
signed-in-as = Signed in as { $name }
sign-out = Sign out
lang-switch = Language
lang-zh = 中文
lang-en = English
back-to-tasks = Back to my tasks
none = —

## Sign in
login-title = Sign in
login-intro = Sign in with the account HR gave you.
login-username = Username
login-password = Password
login-submit = Sign in
login-failed = Wrong username or password: please try again.
login-busy = Too many people are signing in right now: please try again in a few seconds.
login-locked = Too many wrong passwords: signing in with this name is paused. Try again in { $minutes } { $minutes ->
    [one] minute
   *[other] minutes
}. If you have forgotten your password, ask HR to reset it.
login-demo-refused = The demo accounts' default password works only with --demo: change the password (start with --demo, sign in, and use Change password).
demo-title = Demo users
demo-intro = This is a demo company (30 employees in 10 departments; October 2026 closed, November 2026 in progress). Every user below has the password { $password }.
demo-col-user = Username
demo-col-who = Who they are
demo-user-hr = HR performance officer (HR administrator): launches cycles, sees every result
demo-user-zhuguan = 王强, head of 市场部 (rater): scores his staff
demo-user-xingzheng = 行政部 attendance clerk (data entry): enters attendance
demo-user-fuhe = Head of HR (reviewer)
demo-user-shenpi = General manager (approver)
demo-user-zhangwei = 张伟, key account manager (appraisee): sees the result, signs or appeals

## My tasks
tasks-title = My tasks
tasks-empty = Nothing to do right now.
tasks-count = { $count ->
    [one] 1 task
   *[other] { $count } tasks
}
tasks-col-cycle = Cycle
tasks-col-who = Appraisee / department
tasks-col-rater = Rating as
tasks-col-due = Due
tasks-col-open = Action
tasks-open = Open
tasks-dept-data = Department data
task-kind-data = Data entry
task-kind-self = Self-assessment
task-kind-rate = Rating
task-kind-review = Review
task-kind-approve = Approval
task-kind-sign = Sign

## The appraisal sheet
sheet-title = Appraisal
sheet-name = Name
sheet-emp-no = Employee no.
sheet-position = Position
sheet-department = Department
sheet-period = Period
sheet-cycle = Cycle
sheet-state = State
sheet-col-section = Section
sheet-col-item = Item
sheet-col-standard = Standard
sheet-col-points = Points
sheet-col-values = Entered
sheet-col-score = Score
explain = Explain
sheet-subtotal = Subtotal
sheet-total = Total
sheet-grade = Grade
sheet-bonus = Bonus
sheet-scores-hidden = Scores are shown once the result is published.
sheet-not-scored = Not scored yet: { $reason }
sheet-no-values = nothing entered
sheet-notes = Notes
sheet-self-summary = Self-summary
sheet-comments = Supervisor's comments
sheet-next-goals = Goals for next period
sheet-appeal = Appeal
sheet-appeal-reason = Reason
sheet-appeal-items = Items disputed
sheet-appeal-decision = Decision
sheet-signatures = Signatures
sheet-sig-name = Signed
sheet-sig-date = Date
sheet-sig-default = accepted by default
sig-appraisee = Appraisee
sig-rater = Rater
peers-too-few = fewer than { $k } peer answers; not shown
peers-title = Peer raters
peers-help = Only HR sees this: who rates and whether they answered, never what.
peers-answered = answered
peers-waiting = not yet
peers-entry-note = Your peer rating is anonymous: the appraisee and their manager see only the mean of at least { $k } peers, never who you are or what you gave. You may change it until rating ends.
sig-review = Review
sig-approval = Approval
sig-on-behalf = { $delegate } for { $principal }
state-data_entry = Data entry
state-self_assessment = Self-assessment
state-rating = Rating
state-review = Review
state-approval = Approval
state-published = Awaiting signature
state-appealed = Appealed
state-confirmed = Confirmed
decision-upheld = Result upheld
decision-reopened = Reopened for rating

## Sign and appeal
sign-title = Sign
sign-help = Check the result above. If it is right, write your name and sign.
sign-due = Sign or appeal before { $due }; otherwise the result counts as accepted.
sign-name = Name
sign-submit = Sign
appeal-title = Appeal
appeal-help = If you disagree, give your reason and tick the items you dispute.
appeal-reason = Reason
appeal-items = Items disputed
appeal-submit = Submit appeal
entry-title-rate = Rating
entry-title-self = Self-assessment
entry-help = Fill in the items that are yours. Save keeps them; Submit saves and hands in — after that they cannot be changed.
entry-range = { $min } to { $max }
entry-save = Save
entry-choose = Choose…
entry-choose-missing = Choose one for “{ $name }” before submitting
entry-submit = Submit
decide-title-review = Review
decide-help-review = Check the data and scores above. Pass it on to approval, or return it to the raters with a reason.
decide-title-approve = Approval
decide-help-approve = Approving publishes the result to the appraisee and fixes the bonus; send it back to review with a reason.
decide-title-appeal = Decide the appeal
decide-help-appeal = After investigating, uphold the result, or tick the items to score again and reopen them; give a reason either way.
decide-reason = Reason
decide-reopen-items = Items to score again
decide-review-pass = Pass review
decide-review-return = Return to raters
decide-approve = Approve
decide-reject = Send back to review
decide-uphold = Uphold
decide-reopen = Reopen items
sheet-pdf = Download PDF
sheet-xlsx = Download Excel
jump-entry = ↓ Go to { $what }
jump-respond = ↓ Sign or appeal
results-title = Results
results-cycle = Cycle
results-count = Appraisees (all)
results-bonus-sum = Bonuses, all (confirmed or not)
results-confirmed = Confirmed (on the payroll)
results-confirmed-sum = Confirmed bonuses (= the payroll's total)
results-distribution = Grade distribution
results-none = No grade
results-all = All
results-dept-summary = { $count } appraisee(s), bonuses { $bonus }
results-rank = Rank
results-subtotal = Subtotal
results-sig-made = Prepared by
action-failed = Could not do this: { $reason }
store-rows = { $count ->
    [one] 1 problem, nothing was saved: { $list }
   *[other] { $count } problems, nothing was saved: { $list }
}
store-row = line { $line }: { $problem }
action-bad-version = The form has no version: reload the page and try again.
action-unknown = Unknown action.

## Department data
grid-title = Data entry
grid-due = due { $due }
grid-help = One row per person, one column per input of your department. Save stores the whole page (one error and nothing is stored); Submit saves and hands in your department's data.
grid-closed = Your department's data has been handed in, or data entry is over: read only.
grid-no-columns = This form takes no data from your department.
grid-complete = Hand in our data
grid-prev = Previous page
grid-next = Next page

## Ledger
ledger-title = My ledger (last 12 months)
ledger-empty = No published results yet.
ledger-no-employee = Your account is not linked to an employee, so there is no ledger.
ledger-sheets = My appraisal sheets
ledger-col-period = Period
ledger-col-form = Form
ledger-col-cycle = Cycle
ledger-col-state = State
ledger-col-total = Score
ledger-col-grade = Grade
ledger-col-bonus = Bonus (yuan)

## Errors and pages still to come
error-404-title = Not found
error-404-text = There is no such page, or you may not see it.
error-403-title = Refused
error-403-csrf = The form has expired or was not sent from kaohe. Go back, reload the page and try again.
error-500-title = Server error
error-500-text = Something went wrong on the server; it has been logged. Please try again later.
error-401-text = Your session has ended; please sign in again.
live-note = The scores above are worked out from what you just typed and are not saved yet; save or submit to keep them.
todo-title = Coming soon
todo-text = This page comes in a later version; meanwhile the JSON API does it (see /api/openapi.json).
todo-hr = HR pages

## Rater controls (crates/server/src/web/controls.rs)
ctl-points = { $points } pts
ctl-points-range = { $lo }–{ $hi } pts
ctl-checklist = (tick each criterion met)
ctl-grade-pick = Enter a percentage within the chosen grade's range
ctl-adjust = Discretionary points; a reason is required
ctl-reason = Required whenever points are added or deducted
ctl-tiers = Pick a score within the tier: { $tiers }
ctl-event-plus = “{ $event }”: plus { $each } each time
ctl-event-minus = “{ $event }”: minus { $each } each time
ctl-event-cap = , at most { $cap } pts in all
ctl-event-picked = Enter the total for all occurrences ({ $lo }–{ $hi } pts each)

## Pasting into the grid (web/assets/grid.js)
grid-paste-help = You can copy a block of cells (several rows and columns) from Excel, click a cell in the grid and paste: the block fills right and down from that cell; when its first column holds employee numbers (or names), each line goes to that person's row, in any order. Check it, then press Save.
grid-pasted = Pasted { $filled } cells, not saved yet.
grid-pasted-partial = Pasted { $filled } cells; { $skipped } fell outside the grid and were left out. Not saved yet.
grid-pasted-keyed = Filled { $filled } cells for { $rows } people by employee no. (or name), not saved yet.
grid-pasted-outside = { $skipped } more fell outside the grid and were left out.
grid-pasted-missing = Not in this page's grid, not pasted: { $list }
appeal-item-reason = Reason for this item (optional)
appeal-item-reason-ph = e.g. returns were not credited back (optional)
## Account and first run (hrorg)
field-required = Required.
line-n = line { $line }
password-title = Change password
password-help = At least { $min } characters. Changing it signs you out everywhere else (other devices and browsers).
password-current = Current password
password-new = New password
password-confirm = New password again
password-submit = Change password
password-done = Your password was changed. You were signed out on every other device.
password-too-short = The password needs at least { $min } characters.
password-mismatch = The two new passwords differ.
setup-title = First run: create the administrator
setup-intro = There are no users yet. Enter the one-time token the server printed in its log when it started, and choose a user name and password for the HR administrator. You are then signed in as that administrator.
setup-token = One-time token (see the server log)
setup-username = Administrator user name
setup-submit = Create the administrator and sign in
setup-bad-token = Wrong token. Copy the token printed under "first run" in the server log.
setup-done-title = Already set up
setup-done-text = An administrator exists, so this cannot be done again. Sign in; if a password is lost, ask an administrator or use the kaohe user command.
error-403-hr = Only HR administrators may open this page.

## HR home
hr-title = HR
hr-summary = { $departments } departments, { $employees } active employees, { $forms } appraisal forms.
hr-org-title = Organisation
hr-org-text = The department tree, the employee list, import and export (CSV or Excel, all rows or none).
hr-templates-title = Form templates
hr-templates-text = Appraisal forms and their versions, uploading a new version, trying the scoring.
dept-kind-line = Line
dept-kind-functional = Functional

## Organisation
org-title = Organisation
org-departments = Departments
org-employees = Employees
org-col-code = Code
org-col-dept = Department
org-col-kind = Kind
org-col-count = Active employees
org-col-supervisor = Supervisor
org-col-unit = Unit
org-col-head = Head
org-export = Export the organisation (imports back unchanged):
org-export-xlsx = Excel (.xlsx)
org-export-csv = CSV
unit-head_office = Head office
unit-branch = Branch
unit-sub_branch = Sub-branch
unit-department = Department
unit-team = Team
org-inactive = inactive
org-second-post = Second post: { $dept }
org-second-post-as = Second post: { $dept } ({ $position })
org-no-departments = No departments yet. Import the organisation first.
org-no-employees = No employees yet.
org-no-match = No employee number or name contains "{ $query }".
org-search = Find by employee number or name
org-search-submit = Find
org-search-clear = Show all
org-found = { $count ->
    [one] One employee's
   *[other] { $count } employees'
} number or name contains "{ $query }".
org-showing = Showing { $first }–{ $last } of { $count } (inactive ones included).
org-import-title = Import the organisation
org-import-help = Upload a CSV or Excel (.xlsx) file (CSV in UTF-8, or GBK as Excel saves it) or paste the CSV. The header is that of the export and of the kaohe org import command: 工号 (emp_no), 姓名 (name), 部门编码 (dept_code), 部门名称 (dept_name), 部门类型 (dept_kind: 业务 line / 职能 functional), 单位层级 (unit: head office, branch, sub-branch, department, team), 上级部门 (parent: a department code or name; empty for the top level), 负责人 (head: an emp_no), 岗位 (position), 直接上级工号 (supervisor), 岗位类型 (post_kind: 主岗 main, the default, or 兼岗 a second post, its row repeating the main row's emp_no), 生效日期 (effective_date of a move, e.g. 2026-11-15; empty: today). A row with neither emp_no nor name only describes a department. With the post_kind column, a second post the file leaves out ends. Known employee numbers are updated; an empty parent, head or unit keeps the stored one. If any row is wrong, nothing is imported.
org-import-file = CSV or Excel file
org-import-file-was = The file chosen last: { $file }
org-import-paste = Or paste the CSV
org-import-check = Only check, do not save
org-import-submit = Import
org-import-failed = Not imported: nothing was saved. Fix the problems below and import again:
org-import-empty = The file holds no employees.
org-col-line = Line
org-col-field = Field
org-col-problem = Problem
org-imported = Imported: { $departments } departments, { $positions } positions and { $added } employees added; { $updated } employees updated.
org-checked = Check passed (nothing saved): { $departments } departments, { $positions } positions and { $added } employees would be added; { $updated } employees updated. Untick "Only check" and submit again to import.

## Form templates
tpl-title = Form templates
tpl-none = No forms yet. Upload a template below.
tpl-col-id = Id
tpl-col-title = Title
tpl-col-version = Version
tpl-col-published = Published
tpl-col-by = By
tpl-col-rule = Scoring rule
tpl-view = View
tpl-preview = Try it
tpl-new-version = Upload a new version
tpl-version-n = version { $version }
tpl-published = Published { $form } version { $version }.
tpl-published-at = published { $at } by { $by }
tpl-not-latest = not the latest version
tpl-total-points = full marks { $points }
tpl-sheet = The form
tpl-show = Full text (as kaohe template show prints it)
tpl-warnings = Warnings
tpl-versions = Versions
tpl-source = Template source (TOML)
tpl-upload-title = Upload a template
tpl-upload-help = Upload a TOML template file or paste it. If its id (form.id) exists, it is published as that form's next version; otherwise it is a new form. It is checked first and nothing is published while it has an error; cycles already created keep their version.
tpl-upload-file = Template file (.toml)
tpl-upload-paste = Or paste the template
tpl-upload-submit = Check and publish
tpl-refused = { $count ->
    [one] The template has 1 error and was not published. It is shown under its line:
   *[other] The template has { $count } errors and was not published. Each is shown under its line:
}
tpl-diag-count = { $errors } error(s), { $warnings } warning(s).
tpl-error = Error
tpl-warning = Warning
tpl-at = line { $line }, column { $column }
tpl-help = Help: { $help }
tpl-empty = Choose a template file or paste the template.
tpl-not-utf8 = The template file is not UTF-8. Save it as UTF-8 and upload it again.

## Try it
preview-title = Try it
preview-help = Type a value for each input; the form scores them and shows each item's score, the subtotals, total, grade and bonus, and how each number was reached. Nothing is saved.
preview-submit = Score
preview-result = Result
preview-na = N/A
preview-errors = Some values need fixing: see the message under each field.
## HR: cycles, results, appeals, audit (hr_cycles.rs, hr_results.rs, hr_audit.rs)
nav-hr-cycles = Cycles
nav-hr-appeals = Appeals
nav-hr-audit = Audit log
cycle-status-draft = Draft
cycle-status-launched = In progress
cycle-status-closed = Closed
cycle-status-cancelled = Cancelled
hrc-edit = Edit the draft
hrc-edit-submit = Save changes
hrc-update-failed = The changes were not saved: correct what is marked and try again.
hrc-delete = Delete the draft
hrc-delete-title = Delete the draft "{ $name }"?
hrc-delete-text = This cannot be undone (the audit log keeps a record).
hrc-delete-submit = Delete
hrc-back = Go back without changes
hrc-launch-title = Launch "{ $name }"?
hrc-launch-text = Launching creates appraisals for the { $count } people below and sends tasks to departments, appraisees and raters. A launched cycle can no longer be edited or deleted.
hrc-launch-total = Bonus base total: { $total } (for { $count } people)
hrc-launch-no-base = This cycle sets no bonus base.
hrc-peers-short = Too few peers: { $count } appraisee(s) have fewer peers than the answers needed, so their peer-rated items cannot be scored (counted as not applicable).
hrc-peers-short-hr = This form has HR name the peers (HR指定): fill in the cycle's peer list for them before launching.
hrc-peers-short-edit = Edit the peer list
hrc-peers-short-line = “{ $group }” group has { $found } peer(s), { $needed } answers needed
hrc-peers-short-more = { $count } more not listed.
hrc-launch-submit = Launch ({ $count } people)
hrc-col-emp-no = Employee no.
hrc-col-emp-name = Name
hrc-col-position = Position
hrc-col-base = Bonus base
hrc-copy = Copy to the next period
hrc-cancel = Cancel the cycle
hrc-cancel-help = Cancelling closes every open task and stops the cycle. Not possible once results were published or confirmed.
hrc-cancel-reason = Reason (required)
hrc-cancel-submit = Cancel the cycle
hrc-cancelled = Cancelled: { $reason }
hrc-title = Appraisal cycles
hrc-empty = No cycles yet. Create one below.
hrc-col-name = Name
hrc-col-form = Form
hrc-col-period = Period
hrc-col-status = Status
hrc-col-appraisals = People
hrc-col-confirmed = Confirmed
hrc-col-published = Published
hrc-bar-label = { $count } of { $total }
hrc-launch = Launch
hrc-score = Score now
hrc-results = Results
hrc-create = New cycle
hrc-f-form = Form (template)
hrc-f-version = Template version
hrc-ph-version = e.g. 2 (leave empty for the latest)
hrc-ph-period = e.g. 2026-12
hrc-ph-name = e.g. December 2026 key account managers
hrc-ph-positions = e.g. 大客户经理, 客户经理
hrc-ph-employees = e.g. A001, A002
hrc-ph-params = e.g. target_pct=95
hrc-ph-targets = e.g. 大客户经理: 月度绩效奖金=3000
hrc-f-period = Period (e.g. 2026-12, 2026-Q4, 2026)
hrc-f-name = Name
hrc-f-members = Who is appraised
hrc-f-members-form = Everyone in the form's positions
hrc-f-members-positions = These positions (comma separated)
hrc-f-members-employees = These employee numbers (comma separated)
hrc-f-members-all = All active employees
hrc-f-data-due = Data due
hrc-f-rating-due = Rating due
hrc-f-window = Confirmation window (hours)
hrc-f-params = Parameters (one id=value per line)
hrc-f-targets = Targets and bonus bases
hrc-f-targets-help = One row per position (or an employee by employee no.), one column per item of the form; an empty cell sets nothing. An employee's row applies to that person only and wins over the position's value.
hrc-f-rules = Rater rules
hrc-f-rules-help = One rule per rater, finding each appraisee's rater in the organisation: supervisor (the direct supervisor); head (the head of their own department); head:<unit kind>, e.g. head:sub_branch or head:branch (the head of the nearest unit of that kind at or above them; in Chinese 支行负责人, 分行负责人); dept:<code or name> (that department enters it); emp:<employee no.> (one named person). Empty: the direct supervisor, or the department named like the rater. A rater named for one person on the relations page wins over the rule.
hrc-f-rules-review = Review and approval follow grants: a user granted review or approval on a unit handles everyone in it and below (e.g. the branch's HR reviews and the branch president approves, granted on the branch), set on the users page.
hrc-f-peers = Peers named by HR
hrc-f-peers-help = One line per appraisee: appraisee no.: peer no., peer no. … (e.g. A001: A002, A003, A004). People listed get these peers; others get colleagues of their department in turn when the form says “同部门”, and no peers when it says “HR指定”. Peers' answers are never shown to the appraisee or their manager; only the mean, once enough have answered.
hrc-err-peers-line = Line { $line } should read: employee no.: peer no., peer no. (the appraisee's number, a colon, the peers' numbers).
hrc-ph-rule = e.g. head:sub_branch
hrc-f-targets-lines = One line each: position or employee no.: item=value, item=value
hrc-f-targets-lines-help = e.g. "大客户经理: 月度绩效奖金=3000" (an item by the name the sheet shows, its English name or its id), saved with the table; where both set a value, this one wins.
hrc-tg-who = Position or employee no.
hrc-ph-tg-who = Another position or employee no.
hrc-tg-employee = (employee)
hrc-tg-refresh = List the chosen form's items in the table
hrc-tg-refresh-help = Chose another form? Press "List the chosen form's items in the table" below: the table takes that form's items (nothing is saved).
hrc-tg-paste = Or paste lines (advanced)
hrc-err-cell = { $row } · { $col }: { $msg }
hrc-err-row = { $row }: { $msg }
hrc-err-target-who = This row has values: name its position or employee no.
hrc-create-submit = Create (draft)
hrc-create-failed = The cycle was not created: correct what is marked and try again.
hrc-err-version = The version is a positive whole number; leave it empty for the latest.
hrc-err-window = The window is a whole number of hours.
hrc-err-pair = "{ $line }" should read id=value.
hrc-err-target = "{ $line }" should read position or employee no.: id=value.
hrc-err-positions = Name at least one position.
hrc-err-employees = Name at least one employee number.
hrc-data-due = data due { $due }
hrc-rating-due = rating due { $due }
hrc-window = { $hours } hours to confirm
hrc-links = Results and downloads
hrc-dl-results-xlsx = Results (.xlsx)
hrc-dl-payroll-csv = Payroll (.csv)
hrc-dl-payroll-xlsx = Payroll (.xlsx)
hrc-by-state = Progress by stage
hrc-appraisals = { $count } people
hrc-data = Departments' data
hrc-data-count = { $done } of { $total } departments handed in
hrc-col-department = Department
hrc-col-data-state = Data
hrc-col-due = Due
hrc-col-done-at = Handed in
hrc-data-done = Handed in
hrc-data-open = Not yet
hrc-open-grid = Open the grid
hrc-by-dept = Progress by department (of the appraisees)
hrc-late = Overdue (reminder list)
hrc-late-count = { $count } overdue
hrc-late-none = Nothing is overdue.
hrc-late-help = Print or copy this list to remind people.
hrc-late-hr = HR
hrc-col-who = Who owes it
hrc-col-kind = Task
hrc-col-appraisee = Appraisee
hrc-col-days-late = Late by
hrc-days = { $count ->
    [one] 1 day
   *[other] { $count } days
}
hrc-late-more = Showing the first { $shown } of { $total }.
hrr-title = Results
hrr-count = { $count } people
hrr-distribution = Grade distribution
hrr-chart-title = Grade distribution ({ $count } graded)
hrr-no-grades = No grades yet.
hrr-quota-ok = The grade distribution is within the quotas.
hrr-quota-over = Grade { $grade }: { $count } people, { $share }% — above the maximum of { $limit }%.
hrr-quota-under = Grade { $grade }: { $count } people, { $share }% — below the minimum of { $limit }%.
hrr-quota-failed = The quotas were not saved: correct what is marked.
hrr-quotas = Forced-distribution quotas
hrr-quotas-help = Shares of the graded appraisals; empty means no limit. For example A at most 20%, D at least 5%.
hrr-q-count = People
hrr-q-share = Share
hrr-q-max = At most
hrr-q-min = At least
hrr-q-check = Check
hrr-q-over = Above the maximum
hrr-q-under = Below the minimum
hrr-q-fine = Within
hrr-quotas-save = Save quotas
hrr-table = Results table
hrr-filter-dept = Department
hrr-all-depts = All departments
hrr-filter = Filter
hrr-page = Page { $page } of { $pages }
hrr-col-department = Department
hrr-col-group = Position/group
hrr-col-total = Score
hrr-col-grade = Grade
hrr-col-bonus = Bonus (yuan)
hrr-col-rank = Rank in group
trend-title = Score and bonus over the last 12 months
trend-score = Score
trend-bonus = Bonus (yuan)
hra-title = Appeals
hra-empty = No appeals are waiting.
hra-total = score { $total }
hra-at = appealed { $at }
hra-open-sheet = Open the sheet
hra-reason = Reason:
hra-items = Disputed items (a reopening re-scores only those ticked)
hra-decision-reason = Your decision's reason (required)
hra-uphold = Uphold the result
hra-reopen = Reopen the ticked items
hre-title = Ledger
hre-inactive = left the company
hrau-title = Audit log
hrau-help = Every change, hash-chained, newest first.
hrau-verify = Verify the chain
hrau-actor = Actor
hrau-entity = Entity
hrau-any = any
hrau-entity-id = Id
hrau-text = Contains
hrau-from = From
hrau-to = To
hrau-clear = Clear filters
hrau-empty = No entries match.
hrau-col-at = Time
hrau-col-action = Action
hrau-col-change = Old → new
hrau-col-reason = Reason
hrau-col-hash = Hash
hrau-value-total = Total
hrau-value-grade = Grade
hrau-signed-by = signed by { $name }
hrau-kind = { $kind ->
    [appraisal] Appraisal
    [cycle] Cycle
    [department] Department
    [employee] Employee
    [form] Form
    [organisation] Organisation
    [template] Template
    [user] User
   *[other] { $kind }
}
hrau-action = { $kind ->
    [appraisal-values] Data entered
    [appraisal-rating-submitted] Rating handed in
    [appraisal-correct-data] Data corrected
    [appraisal-notes] Notes written
    [appraisal-self-summary] Self-summary written
    [appraisal-comments] Comments written
    [appraisal-next-goals] Next goals written
    [appraisal-interview] Interview
    [cycle-create] Cycle created
    [cycle-update] Cycle changed
    [cycle-delete] Cycle deleted
    [cycle-launch] Cycle launched
    [cycle-cancel] Cycle cancelled
    [cycle-copy] Copied as the next period
    [cycle-score] Scored again
    [cycle-grades] Grade bands set
    [cycle-quotas] Grade quotas set
    [cycle-data-complete] Department data handed in
    [department-create] Department created
    [department-change] Department's place in the tree changed
    [employee-add] Employee added
    [employee-change] Employee changed
    [employee-post] Post changed (transfer, second post)
    [import-mapping-save] Import columns remembered
    [org-import] Organisation imported
    [template-publish] Template published
    [user-code] Sign-in code issued
    [user-create] Account created
    [user-disable] Account disabled
    [user-enable] Account enabled
    [user-grants] Roles changed
    [user-password] Password changed
    [interview-date] Interview date
    [members-sod-exempt] Separation of duties waived
   *[other] { $kind }
}

## HR home tiles for the cycle pages
hr-cycles-text = Create and launch cycles; progress per department, reminders of who is late, ranked results and forced distribution.
hr-appeals-text = Appeals waiting for a decision: uphold the result or reopen it.
hr-audit-text = Every change recorded (who, when, what, why), with filters.

users-title = Users and roles
users-intro = Each role is for every department, or for one department and every department under it (e.g. "Reviewer @ 北京分行": reviews the appraisals of the branch, its sub-branches and their teams). Every role given or taken is in the audit log.
users-name = User name
users-roles = Roles
users-add = Give a role
users-role = Role
users-department = Department
users-all-departments = every department
users-give = Give
users-remove = Take back
users-remove-label = Take this role back from { $user }
users-no-roles = no roles
users-bad-role = Choose a role and a department
users-keep-own-hr = You cannot take your own HR administrator role (ask another administrator)
role-hr_admin = HR administrator
role-reviewer = Reviewer
role-approver = Approver
role-clerk = Data clerk
role-rater = Rater
role-employee = Employee
hr-users-text = Accounts' roles, and the departments each role is for.

## Importing a cycle's data (hr_import.html)
error-refused-title = Could not be done
imp-title = Import data
imp-step-upload = Step 1: choose the file
imp-upload-help = Upload the Excel (.xlsx) or CSV file a department sent: one row per employee, a 工号 (employee number) or 姓名 (name) column, and the form's data columns. Titles, the sender and unit notes above the header may stay; totals rows at the bottom are left out.
imp-file = File
imp-sheet = Sheet (optional)
imp-sheet-help = Empty: the first sheet.
imp-upload = Upload and preview
imp-no-file = Choose the file to import.
imp-expired = The uploaded file has expired (it is kept for 30 minutes): upload it again.
imp-unreadable = The file cannot be read as a table: fix what is listed below and upload it again.
imp-file-is = File `{ $file }`, sheet `{ $sheet }`.
imp-step-header = Step 2: check the header
imp-header-row = The header is on row
imp-header-change = Use this row
imp-totals = Row(s) { $rows } are totals and are not imported.
imp-step-map = Step 3: check what each column is
imp-map-help = Columns were matched by their names; "confirm" means matched from a common way of writing it: please check. Choose "not imported" for columns you do not need. The mapping is remembered for this form's next import.
imp-col-column = Column
imp-col-header = Header in the file
imp-col-target = Field of the form
imp-col-how = Matched by
imp-how-exact = same name
imp-how-loose = confirm
imp-how-remembered = last time
imp-how-chosen = your choice
imp-how-none = not matched
imp-how-other-dept = not your department's: ignored
imp-dept-only = Only the data { $dept } supplies is imported: the file's other columns are not read and are marked "ignored" in the preview.
imp-back-grid = Back to our grid
grid-import = Import our data from Excel
imp-target-none = — not imported —
imp-target-id = Employee number (工号)
imp-target-name = Name (姓名)
imp-target-group = Group
imp-preview-again = Preview with this mapping
imp-step-preview = Step 4: preview and import
imp-summary = { $rows } rows read, { $matched } employees matched; { $values } values of { $changed } employees will change.
imp-problems = { $count } problem(s) (fix the file and upload it again, or tick the option below to import only the rows without problems)
imp-col-place = Where
imp-col-problem = Problem
imp-col-row = Row
imp-col-employee = Employee
imp-col-field = Field
imp-col-old = Now
imp-col-new = New
imp-nothing = Nothing would change.
imp-skip-invalid = Import only the rows without problems (the others, listed above, are left out)
imp-run = Import
imp-other-file = Another file
imp-refused = Not imported: { $count } problem(s); nothing was stored.
imp-done = Imported: { $values } values of { $changed } employees changed, and the scores recomputed.
imp-skipped = { $count } row(s) with problems were left out
imp-back = Back to the cycle
imp-another = Import another file
imp-handin-title = Hand in for departments
imp-handin-help = Where the import filled every input of a department, hand its data in on its behalf here (as its clerk's Hand in on the grid; the audit log names HR); departments with empty cells must fill them first.
imp-handin-button = Hand in for { $dept }
imp-handin-complete = All { $cells } cells filled.
imp-handin-partial = { $count } of { $cells } cells still empty: cannot be handed in yet.
imp-handin-grid = Open its grid
imp-handin-none = This department has no open data task in this cycle.
imp-handin-missing = { $dept } still has { $count } empty cells: not handed in.

## Many at once from the inbox (batch.html)
batch-title-review = Review many
batch-title-approve = Approve many
batch-help-review = Tick the appraisals you have checked to pass their review at once. To return one, open it.
batch-help-approve = Tick the appraisals to approve. To reject one, open it.
batch-empty = Nothing is waiting for you.
batch-none = Tick at least one appraisal.
batch-col-pick = Pick
batch-col-employee = Employee
batch-col-department = Department
batch-col-total = Total
batch-col-grade = Grade
batch-col-bonus = Bonus
batch-next = Next: confirm
batch-confirm-review = Pass the review of { $count } appraisal(s), bonuses { $bonus } in all?
batch-confirm-approve = Approve { $count } appraisal(s), bonuses { $bonus } in all?
batch-changed = { $count } of them changed after you looked: they will not be passed. Open them again.
batch-do-review = Pass { $count }
batch-do-approve = Approve { $count }
batch-back = Change the selection
batch-done-review = Review passed: { $count }.
batch-done-approve = Approved: { $count }.
batch-failed = { $count } could not be done
batch-stale = It changed after you looked; nothing was done: open it and check again
batch-left = { $count } more waiting
batch-to-tasks = Back to the inbox
batch-not-listed = An appraisal not in your inbox
tasks-batch-review = Review many
tasks-batch-approve = Approve many
tasks-hr = For HR
tasks-hr-appeals = { $count } appeal(s) to decide
tasks-hr-late = { $cycle }: { $count } task(s) overdue

## After an action on a sheet
done-saved = Saved.
done-submitted = Submitted.
done-signed = Signed.
done-appealed = Your appeal is filed; HR's decision will show here.
done-review_pass = Review passed; it goes to approval.
done-review_return = Returned to the raters.
done-approve = Approved; the result is published to the employee.
done-reject = Sent back to review.
done-uphold = The result stands.
done-reopen = The ticked items are reopened for the raters.
done-next = Next: { $who } →
done-none-left = Nothing more of this kind is waiting.
done-inbox = Back to the inbox
imp-reason = Reason for the correction
imp-reason-example = e.g. 市场部 corrected the sales figures on 5 December
imp-reason-help = Once an appraisal is in review, approval or published, importing into it corrects its data and needs a reason (audited; the reviewer and the employee see it).
done-corrected = The data is corrected and the scores computed again; the correction is listed below.
correct-title = Correct the data (HR)
correct-help = Entered data can be corrected at any stage, with a reason. The correction is audited, the scores are computed again at once, and the reviewer, the approver and the employee see it on the sheet.
correct-reason = Reason for the correction
correct-reason-example = e.g. 市场部 checked and corrected the new customers
correct-submit = Correct and recompute
correct-nothing = Nothing was changed.
corrections-title = Corrections of the data
corrections-line = { $at } { $actor } corrected:
corrections-reason = Reason: { $reason }
hrr-grades = This cycle's grades (the form sets none)
hrr-grades-example = e.g. A ≥ 90 (new line) B ≥ 80 (new line) C ≥ 60 (new line) D
hrr-grades-help = One grade a line, highest first: its name and lowest total, such as "A ≥ 90"; the last without a number takes every total below the one before. Saving grades the whole cycle again.
hrr-grades-save = Save the grades and recompute
hrr-grades-failed = The grades were not saved: { $reason }
hrr-quota-group-over = In group “{ $group }”, grade { $grade }: { $count } people, { $share }%, above the limit of { $limit }%
hrr-quota-group-under = In group “{ $group }”, grade { $grade }: { $count } people, { $share }%, below the minimum of { $limit }%
ledger-none = No appraisal
ledger-in-progress = In progress ({ $state }): the score shows once published

users-create-title = Create accounts
users-create-intro = Give one employee's number (and a user name if you like; by default the number in lower case), or choose a department (every employee of it without an account). Each new account gets a one-time sign-in code, valid for 7 days; its owner sets their password with it at the first sign-in.
users-create-emp = Employee number
users-create-username = User name (optional)
users-create-dept = Or: a whole department
users-create-submit = Create accounts
users-create-which = Give one employee's number or choose a department (one of the two)
users-create-none = Every employee of this department already has an account
users-state = State
users-state-active = active
users-state-disabled = disabled
users-state-pending = waiting for the first sign-in
users-reset = Reset sign-in code
users-reset-label = Reset the sign-in code of { $user } (their password stops working at once)
users-disable = Disable
users-enable = Enable
codes-title = One-time sign-in codes
codes-reset = Reset: the old password and every session have stopped working.
codes-note = Hand each code to its owner; it is not shown again. A code is valid for { $days } days and works once.
codes-where = Its owner chooses "First sign-in" on the sign-in page, or opens
codes-back = Back to users and roles
code-title = First sign-in
code-intro = Enter your user name, the one-time code HR gave you, and choose your password.
code-code = Sign-in code
code-submit = Set the password and sign in
code-back = Back to sign-in
login-first-code = First sign-in with a code
imp-blank = Download this cycle's data template (.xlsx: every appraisee listed, a column per input of the form)

# Notifications (issue 17): the notification list, HR's channels and outbox, reminders.
nav-notes = Notifications
nav-hr-notify = Channels
notes-title = Notifications
notes-empty = No notifications yet.
notes-read-all = Mark all read
notes-read = Mark read
notes-new = new
notes-open = Open
notes-unread = { $count } unread notification(s)
hrc-remind = Remind everyone late now
hrc-reminders = Automatic reminders
hrc-reminders-help = Reminders go out daily by themselves: to a task's holder some days before its deadline; every day once it is overdue, and to the holder's manager too (their supervisor, else the department head) once it is overdue for the days set; and to the employee 24 hours before a result is deemed accepted. A task is reminded of at most once a day.
hrc-remind-days = Days before the deadline to remind (e.g. 3,1; 0 is the deadline's day; empty for none)
hrc-escalate-days = Days overdue before the manager is told
hrc-reminders-save = Save the reminders
hrc-reminders-failed = The reminders were not saved: see the fields below.
hrc-escalate-not-number = `{ $value }` is not a whole number: give the days overdue before the manager is told, e.g. 2
hrn-title = Notification channels and deliveries
hrn-channels = Channels
hrn-no-channels = No channel yet: notifications appear only in each person's list.
hrn-col-name = Name
hrn-col-kind = Kind
hrn-col-url = Address
hrn-col-secret = Secret
hrn-col-enabled = Enabled
hrn-on = on
hrn-off = off
hrn-test = Send a test message
hrn-add = Add a channel
hrn-from = Sender (e-mail)
hrn-user = SMTP user (e-mail)
hrn-help = DingTalk and Feishu robots: the webhook address and the signing secret; WeCom: the address with its key; a generic webhook's secret starts with whsec_; e-mail: smtp://smtp.example.com:587 (STARTTLS) or smtps://…:465. A saved secret shows only its first and last characters; leave it empty to keep it.
hrn-save = Save
hrn-kind-webhook = Generic webhook
hrn-kind-dingtalk = DingTalk robot
hrn-kind-feishu = Feishu robot
hrn-kind-wecom = WeCom robot
hrn-kind-email = E-mail
hrn-dead = Not delivered (dead letters)
hrn-pending = { $count } waiting to be sent
hrn-no-dead = No message failed.
hrn-col-at = Time
hrn-col-recipient = Recipient
hrn-col-message = Message
hrn-col-attempts = Attempts
hrn-col-error = Cause
hrn-retry = Retry
hrn-delivered = Recent deliveries
hrn-no-delivered = Nothing delivered yet.
notify-test-queued = The test message is queued and goes out within seconds.

## Results of one's own part of the organisation (reviewers, approvers, 支行 heads)
nav-results = Results
results-home-title = Results
results-home-help = The cycles that appraise people of the units you oversee; their results hold only your units and the units below them.
results-home-empty = No cycle appraises anyone of the units you oversee yet.
results-scope = Scope: { $units } (with the units below). People of other units are not listed, and the exported workbook holds only these people.
results-none-here = Nobody matches this filter.
results-403 = Only reviewers, approvers and HR administrators may see results.

## 考核关系 (HR)
rel-title = Who rates whom
rel-help = Who does each appraisee's self-assessment and ratings (✓ once done), and who reviews and approves them under the grants over the org tree: users whose grant covers the unit or a unit above it. An open rating can be handed to another employee (by 工号); the change is audited.
rel-unit = Unit
rel-reviewer = Review
rel-approver = Approval
rel-download = Download who rates whom (.xlsx)
rel-none = The cycle has no appraisees yet.
rel-help-draft = Draft: with this cycle's rater rules and the raters named per person, a launch will give each appraisee the raters below (the small print says where each came from). Name someone's rater (employee no.; submit empty to go back to the rule) or upload an edited relations workbook.
rel-why-override = named for this person
rel-why-rule = rule { $rule }
rel-why-supervisor = direct supervisor
rel-why-department = department of that name
rel-why-nobody = nobody (HR enters it)
rel-no-rule = no rule (the direct supervisor, or the department named like the rater)
rel-review-rule = by grants: users granted review or approval on the unit or a unit above it
rel-upload = Import relations
rel-upload-button = Import
rel-upload-help = The layout of the downloaded workbook (.xlsx or .csv), raters by employee no.: a changed rater of an open rating moves it to the new rater; a done rating cannot change. All rows or none.
rel-upload-help-draft = The layout of the downloaded workbook (.xlsx or .csv), raters by employee no.: a rater other than the rule's is named for that person; an empty cell goes back to the rule.
rel-imported = Imported: { $count } open ratings moved.
rel-imported-draft = Imported: { $count } raters changed.
rel-set = Name a rater
rel-set-ph = empty: the rule
rel-set-button = Save
rel-col-name = { $role } name
hrc-relations = Who rates whom

# Notification choices (issue 17, migration 0015): /notifications/settings, HR's switches.
nset-link = Notification settings: channels, quiet hours, contact details
nset-title = Notification settings
nset-back = Back to notifications
nset-saved = Saved.
nset-channels = Which channels reach me
nset-channels-help = For each kind of message, choose where it reaches you besides this list (which always gets it): e-mail, and the group robots that @ you.
nset-kind = Message
nset-inapp = In kaohe
nset-off-by-hr = (HR sends this kind to no channel)
nset-quiet = Quiet hours
nset-quiet-help = Messages made within these hours wait and are sent when they end (they still appear in this list at once). Times are in { $tz }, as HR set it; leave both empty for none. Start after end spans midnight, e.g. 22:00 to 08:00.
nset-quiet-start = From (hours:minutes)
nset-quiet-end = To (hours:minutes)
nset-save = Save
nset-contact = My contact details
nset-contact-help = E-mail messages go to this address; robots @ you by your mobile (DingTalk, WeCom) or your Feishu user id (Feishu).
contact-email = E-mail
contact-mobile = Mobile
contact-feishu_id = Feishu user id
nkind-task-assigned = Tasks assigned
nkind-result-published = Result published
nkind-auto-confirmed = Result deemed accepted
nkind-appeal-filed = Appeal filed
nkind-appeal-decided = Appeal decided
nkind-cycle-closed = Cycle closed
nkind-reminder = Reminders
nkind-test = Test message
hrn-kinds = Kinds of message sent
hrn-kinds-help = A kind switched off is sent over no channel; it still appears in each person's notification list.
hrn-kinds-legend = Send these kinds over the channels
hrn-tz = Time zone of quiet hours
hrn-tz-help = A UTC offset such as +08:00 (Beijing time, the default): everyone's quiet hours are read in it.
hrn-kinds-save = Save
users-contact = Contact details
users-contact-label = Contact details of { $user }
huc-title = Contact details of { $user }
huc-back = Back to users and roles
rel-self = Self-assessment
rel-rater = Rater

deleg-title = My delegations
deleg-help = When away, hand your rating, review and approval work to a colleague for some days (both ends included). Everything they do is recorded as “delegate for you”, on the sheet's signature line and in the audit log. Nobody acts on their own appraisal as a delegate.
deleg-new = New delegation
deleg-principal = Principal
deleg-principal-help = username; empty for yourself
deleg-delegate = Delegate (username)
deleg-from = First day
deleg-to = Last day
deleg-reason = Reason
deleg-create = Delegate
deleg-list = Mine and for me
deleg-all = All delegations
deleg-empty = No delegations
deleg-days = Days
deleg-status = Status
deleg-revoke = Revoke
deleg-status-active = In force
deleg-status-upcoming = Upcoming
deleg-status-ended = Ended
deleg-status-revoked = Revoked
tasks-on-behalf = for { $name }
hrc-col-reassign = Reassign
hrc-reassign-to = To (employee no.)
hrc-reassign = Reassign
sheet-on-behalf = You act here for { $name } (delegation): what you enter is recorded as yours on their behalf.
rel-reason = Reason
nkind-due-soon = Due soon
nkind-overdue = Overdue
nkind-escalated = Overdue, told to the manager
nkind-confirm-due = Before the result is deemed accepted
nkind-data-submitted = A department handed in its data
hrn-col-scope = Scope
hrn-scope-all = Everyone
hrn-department = Only a department (code)
hrn-department-help = E.g. a 支行's DingTalk group robot: give that 支行's department code, and only messages for people of that unit and the units below it go to this channel; empty for everyone.
