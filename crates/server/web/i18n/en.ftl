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
results-title = Results
results-cycle = Cycle
results-count = Appraisees
results-bonus-sum = Bonuses in all
results-distribution = Grade distribution
results-none = No grade
results-all = All
results-dept-summary = { $count } appraisee(s), bonuses { $bonus }
results-rank = Rank
results-subtotal = Subtotal
results-sig-made = Prepared by
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
