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
sig-review = Review
sig-approval = Approval
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
entry-submit = Submit
action-failed = Could not do this: { $reason }
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
todo-title = Coming soon
todo-text = This page comes in a later version; meanwhile the JSON API does it (see /api/openapi.json).
todo-hr = HR pages

## HR: cycles, results, appeals, audit (hr_cycles.rs, hr_results.rs, hr_audit.rs)
nav-hr-cycles = Cycles
nav-hr-appeals = Appeals
nav-hr-audit = Audit log
hrc-forbidden = This page is for HR administrators only.
cycle-status-draft = Draft
cycle-status-launched = In progress
cycle-status-closed = Closed
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
hrc-f-version-latest = latest
hrc-f-period = Period (e.g. 2026-12, 2026-Q4, 2026)
hrc-f-name = Name
hrc-f-name-hint = December 2026 key account managers
hrc-f-members = Who is appraised
hrc-f-members-form = Everyone in the form's positions
hrc-f-members-positions = These positions (comma separated)
hrc-f-members-employees = These employee numbers (comma separated)
hrc-f-members-all = All active employees
hrc-f-data-due = Data due
hrc-f-rating-due = Rating due
hrc-f-window = Confirmation window (hours)
hrc-f-params = Parameters (one id=value per line)
hrc-f-targets = Targets and bonus bases (one line each: position or employee no.: id=value, id=value)
hrc-f-targets-help = e.g. "大客户经理: monthly_bonus=3000"; an employee number applies to that person only and wins over the position's value.
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
