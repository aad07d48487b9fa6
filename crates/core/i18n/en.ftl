# kaohe English message catalogue

## Template check (kaohe template check)
diag-toml = the template file is not valid: { $detail }
help-toml = check quotes, brackets and commas on that line; the fields are listed in docs/templates.md
diag-bad-id = `{ $id }` cannot be used as an id: use letters, Chinese characters, digits and underscores, not starting with a digit
help-bad-id = e.g. `sales`, `销售任务`, `late_times`; `total`, `and`, `or` and `not` are reserved
diag-duplicate-id = the id `{ $id }` is used twice
help-duplicate-id = every param, input, metric, item, section, event and pay line needs its own id: rename one
diag-bad-choice = `{ $value }` is not a valid value for `{ $field }`; expected one of: { $choices }
diag-missing-field = rule `{ $rule }` needs the field `{ $field }`
help-missing-field = add `{ $field }` to the item
diag-unused-field = the field `{ $field }` has no effect with rule `{ $rule }`
help-unused-field = fields this rule uses: { $rules }
help-rules = rules: { $rules }
diag-formula = the formula of “{ $what }” is wrong: { $detail }
help-formula = { $detail }
diag-unknown-name = the formula of “{ $what }” refers to `{ $name }`, which does not exist
help-did-you-mean = did you mean `{ $name }`?
help-unknown-name = a formula may use declared inputs, params, metrics, items, sections, and total
diag-scope = the formula of “{ $what }” cannot use `{ $name }`: it has no value yet at that point
help-scope = metrics and items may use inputs, params and metrics; sections also items; the total also sections; pay and ranking also total
diag-unknown-section = there is no section `{ $name }`
help-unknown-section = declare it with [[section]] first, or use a declared id
diag-unknown-rater = there is no rater `{ $name }`
help-unknown-rater = declare the rater and its weight with [[rater]] first
diag-per-rater = the formula of “{ $what }” uses `{ $name }`, which each rater enters separately: it can only be used in the rule of an item with raters
diag-per-rater-none = input `{ $name }` is entered per rater (per_rater) but the form declares no raters
help-per-rater = give the item raters = ["self", "supervisor"]; each rater's column is `name@rater`; otherwise drop per_rater = true
diag-event-when-count = event “{ $event }” cannot have both when and count
diag-cycle = the formula of metric `{ $name }` depends on itself
help-cycle = break the cycle: at least one metric must be computed from inputs and params only
diag-source-too-large = the template file is too large: { $size } bytes, the limit is { $limit } bytes
diag-too-many = too many { $what }: { $count }, the limit is { $limit }
diag-metric-depth = metric `{ $name }` is computed through a chain of { $depth } metrics, more than the limit of { $limit }
help-limits = templates have limits (file size; numbers of metrics, items, inputs, raters and input columns; length of metric chains) so that one template cannot overwhelm the service; split the template or merge metrics
diag-rater-weights = rater weights add up to { $sum }%, not 100%
help-rater-weights = make the raters' weights add up to 100, or write rater_weights = "relative" in [form] to use them as shares
diag-peers-without = `{ $field }` belongs to a peer group only; also write peers = <how many>
diag-peers-self = the self-assessment (self) cannot be a peer group
diag-peers-size = a peer group has 1 to { $max } people (peers), not { $n }
diag-peers-min = min_answers must be between 1 and { $n } (peers), not { $k }
diag-peers-number = the item "{ $item }" is rated by the peer group "{ $rater }", but what they enter is not a number (a grade's name or a checklist has no mean)
diag-peers-alone = the item "{ $item }" is rated by the peer group "{ $rater }" alone: with too few answers it cannot be scored
help-peers = a peer group: peers = 5, min_answers = 3, pick = "same_department" or "hr"; give its items another rater too (raters = ["supervisor", "peers"]) or na = "drop"
diag-negative = `{ $field }` must be greater than zero
diag-section-weights = section weights add up to { $sum }%, not 100%
diag-section-weight-missing = some sections have a weight and some do not
help-section-weights = give every [[section]] a weight adding up to 100, or none (the total is then the sum), or write the total formula in [form] total
diag-section-sum = section “{ $section }” is declared worth { $points } points but its items add up to { $sum }
help-section-sum = change the items' points or the section's points so they agree
diag-min-max = the low end { $lo } is above the high end { $hi }
help-min-max = swap them: [low, high]
diag-default-range = the default { $value } is outside the allowed range
diag-decimals = decimals can be at most 10
diag-step-per = the step size `per` must be greater than 0
diag-step-sign = a step needs either deduct or add
help-step-sign = e.g. below = {"{"} per = 5, deduct = 3 {"}"} means “3 points off per full 5 below”
diag-event-sign = event “{ $event }” needs either deduct or add
help-event-sign = e.g. {"{"} id = "late", name = "迟到", deduct = 1 {"}"}; write deductions as positive numbers
diag-event-negative = write event points as positive numbers: deduct for deductions, add for additions
diag-event-amount = event points must be a number or a range [low, high]
diag-range-formula = range must be numbers [low, high]
diag-level-dup = level { $level } is listed twice
diag-picked-band = when the assessor picks the score, a tier's score must be a number or a range
diag-too-many-criteria = a checklist has at most 32 criteria
diag-band-empty = the tier [{ $from }, { $to }) is empty: from must be below to
help-band-empty = from is the inclusive low end, to the exclusive high end
diag-band-gap = the tiers leave a gap: nothing covers { $from } to { $to }
help-band-gap = add a tier {"{"} from = { $from }, to = { $to }, score = … {"}"} and say in a comment how the sheet's silence is read
diag-band-overlap = tiers { $a } and { $b } overlap
help-band-overlap = adjust from / to so every value falls in one tier (from inclusive, to exclusive)
diag-band-low = values below { $from } fall in no tier and score 0
diag-band-high = values of { $to } or more fall in no tier and score 0
help-band-low = ignore this if intended; otherwise leave out from on the lowest tier and to on the highest
diag-grade-order = the min of grade “{ $grade }” must be below the grade before it
diag-grade-open = only the last (lowest) grade may leave out min
help-grade-order = list grades from highest to lowest, e.g. 优秀 min = 90, 良好 min = 80, 合格 min = 60, 不合格 without min
diag-item-unreachable = item “{ $item }” can score at most { $hi }, never its { $points } points
help-item-unreachable = check the scores of its tiers, levels or criteria, or set points to what can really be scored
diag-total-unreachable = the total can reach at most { $hi }, never the declared { $points }
help-total-unreachable = check the items' points and the weights, or change total_points in [form]
diag-total-exceeds = the total can reach { $hi }, above the declared { $points }
diag-total-unbounded = the total has no upper bound and can exceed the declared { $points }
help-total-exceeds = if the sheet allows more than full marks (bonus points), write may_exceed_total = true in [form]; otherwise give the items a max
diag-total-negative = the total can go below zero
help-total-negative = if the sheet allows it (“negative item scores count in the total”), write may_go_negative = true in [form]

## Data errors while scoring
err-div-zero = division by zero while computing “{ $what }” (formula: { $formula })
err-overflow = number too large while computing “{ $what }” (formula: { $formula })
err-too-big = a number is out of range (beyond 28 significant digits) while computing “{ $what }”: check the values entered
err-target-zero = the target of item “{ $item }” is 0, so no completion ratio can be computed (target: { $formula })
err-event-count = the count formula { $formula } of event “{ $event }” gives { $value }, not a whole number of 0 or more
err-na-forbidden = item “{ $item }” cannot be marked not applicable
err-event-range = event “{ $event }” happened { $count } time(s) at { $lo }–{ $hi } points each, so its points must be from { $min } to { $max }, not { $value }
err-pick-missing = item “{ $item }” needs the assessor to pick a score within the tier's range
err-pick-range = the { $value } picked for item “{ $item }” is outside the tier's range { $lo }–{ $hi }
err-tier-pick = the score { $value } of item “{ $item }” fits no tier (allowed: { $allowed })
err-level = item “{ $item }” has no level { $value } (allowed: { $known })
err-reason = an adjustment of { $value } on item “{ $item }” needs a reason
err-unknown-param = there is no parameter `{ $id }` (this template's parameters: { $known })
err-param-range = parameter `{ $id }` = { $value } is outside its range [{ $min }, { $max }]

## Explanations
ex-metric = { $name } = { $formula } = { $arithmetic } = { $value }{ $unit }
ex-measure = { $label } { $value }{ $unit }, target { $target }{ $unit }
ex-zero-below = { $measure }{ $unit } is below { $cutoff }{ $unit }: the item scores nothing
ex-steps-below = { $gap }{ $unit } below target, { $n } full step(s) of { $per }{ $unit } at { $step } points each: { $amount } points off
ex-steps-above = { $gap }{ $unit } above target, { $n } full step(s) of { $per }{ $unit } at { $sign }{ $step } each: { $sign }{ $amount } points
ex-ratio = { $label }: actual { $measure }, target { $target }, { $better ->
    [lower] lower is better, achievement = target ÷ actual
   *[higher] achievement = actual ÷ target
 } = { $pct }%
ex-ratio-cap = capped at { $cap }%
ex-ratio-score = { $points } points × { $pct }% = { $value }
ex-tier = { $label } { $measure }{ $unit }, tier { $n } { $band }: { $value } points { $text }
ex-tier-none = { $measure } falls in no tier: 0 points
ex-tier-picked = the assessor chose tier { $n } ({ $range } points) and gave { $value } { $text }
ex-level = rated level { $level }: { $value } points { $text }
ex-rating = rating { $rating } of { $scale }, scaled: { $points } × { $rating } ÷ { $scale } = { $value }
ex-grade = rated “{ $grade }” at { $pct }%: { $points } × { $pct }% = { $value }
ex-checklist = { $n } of { $total } criteria met: { $met }, { $value } points
ex-events-start = starts at { $start }
ex-event-deduct = { $event }: { $count } time(s) at { $per } each, { $amount } points off
ex-event-add = { $event }: { $count } time(s) at { $per } each, { $amount } points added
ex-event-cap = “{ $event }” counts at most { $cap } points
ex-event-when-no = “{ $event }”: { $cond } ({ $arithmetic }) does not hold, nothing off
ex-adjust = adjustment of { $value }, reason: { $reason }
ex-score = the assessor gave { $value }
ex-formula = { $formula } = { $arithmetic } = { $value }
ex-raters = weighted over raters: ({ $parts }) ÷ { $weights } = { $value }
ex-floor = { $raw } is below the floor: counts as { $floor }
ex-cap = { $raw } is above the cap: counts as { $max }
ex-round = { $raw } rounded half-up to { $dp } places: { $value }
ex-floor-cap = { $raw } is beyond the deduction cap: counts as { $floor }
ex-rater-head = [{ $rater }]
err-pick-unused = item “{ $item }” scores a fixed { $value } in this tier: leave the picked score empty
ex-rater-absent = [{ $rater }] not applicable: left out, the other raters' weights renormalised
ex-item-score = score { $value } (of { $points })
ex-peer-average = does not apply: the average of the others in the group, { $value }
ex-peer-none = does not apply, and applies to no one in the group: 0
ex-dropped = does not apply: left out, and its section is scaled from the other items
ex-renormalise = applicable items { $sum } ÷ applicable points { $applicable } × { $points } = { $value }
ex-section-sum = { $parts } = { $value }
ex-total-sum = { $parts } = { $value }
ex-grade-band = total { $total } ≥ { $min }: grade “{ $grade }”
ex-pay = { $name } = { $formula } = { $arithmetic } = { $raw }, rounded half-up to the fen: { $value } yuan
ex-rank = rank { $rank } of { $size } in group “{ $group }”
ex-selected = selected as “{ $title }”

## Headings of explanations
ex-head-item = { $name }
ex-head-total = Total
ex-head-grade = Grade
ex-head-rank = Rank

## Input data
in-dup-column = column “{ $header }” repeats column { $first }
in-no-id = there is no employee-number column: add a column `id` (or 工号)
in-missing-column = the column `{ $id }` ({ $name }) is missing{ $hint }
in-empty-id = the employee number is empty
in-empty = “{ $name }” is empty
in-short-row = this row is shorter than the header: `{ $id }` is missing
in-not-number = `{ $value }` is not a number (“{ $name }”)
in-range = { $value } is outside the allowed range [{ $min }, { $max }] (“{ $name }”)
in-na = “{ $name }” cannot be marked not applicable
in-choice = `{ $value }` is not one of the choices for “{ $name }” ({ $choices })
in-set = `{ $value }` in “{ $name }” is not a criterion number from 1 to { $n }
in-no-percent = “{ $name }” is not a percentage: remove the % (got `{ $value }`)
in-count = “{ $name }” must be a whole number of times, 0 or more (got `{ $value }`)
in-dup-id = the employee number `{ $id }` appears twice (first on line { $first })

## Form display (kaohe template show)
show-header = Positions: { $positions }    Period: { $period }    Full marks: { $total }
show-raters = Raters and weights: { $raters }
show-peers = (peers: { $n }, { $pick }, counted from { $k } answers)
show-peers-dept = same department, by rotation
show-peers-hr = named by HR
show-param = Parameter “{ $name }” (`{ $id }`), default { $value }{ $unit }
show-points = { $points } pts
show-total-formula = Total = { $formula }
show-total-sum = Total = sum of the sections (weighted where weights are given)
show-grades = Grades: { $grades }
show-ranking = Ranked by { $by }; the top { $top } of each group become “{ $title }”
show-ranking-plain = Ranked by { $by }
rule-ratio = by achievement ({ $better ->
    [lower] lower is better: target ÷ actual
   *[higher] actual ÷ target
 }): { $points } points × achievement; actual = { $measure }, target = { $target }
rule-cap-pct = achievement capped at { $cap }%
rule-zero-below = scores nothing below { $cutoff }
rule-steps = steps against the target: actual = { $measure }, target = { $target }, starting from { $points }
rule-step-below = { $step } points off per full { $per } below target
rule-step-above = { $step } points added per full { $per } above target
rule-tiers = by the tier { $measure } falls in (low end inclusive, high end exclusive):
rule-tiers-picked = the assessor picks the tier that fits the description and a score within it:
rule-levels = the assessor rates a level:
rule-rating = the assessor rates 1–{ $scale }, scaled to { $points } × rating ÷ { $scale }
rule-grade = the assessor grades, worth a percentage of the points:
rule-checklist = each criterion met earns its points:
rule-events = starts at { $start }, plus or minus per event:
rule-adjust = company adjustment from { $lo } to { $hi }, with a reason
rule-score = the assessor gives { $lo }–{ $hi } points
rule-formula = scored by formula: { $formula }
rule-event-deduct = { $event }: { $per } points off each time
rule-event-add = { $event }: { $per } points added each time
rule-event-when = (once, when { $cond })
rule-event-cap = (at most { $cap } points)
rule-floor-zero = stops at 0 (扣完为止)
rule-floor = at least { $floor }
rule-negative = may go below zero and counts in the total
rule-no-cap = no upper limit
rule-na-peer = when it does not apply: the peers' average
rule-na-drop = when it does not apply: left out, weights renormalised
rule-raters = raters: { $raters }
in-csv = the CSV is malformed: { $detail }

wf-not-now = { $action } is not possible while the appraisal is { $state }
wf-not-allowed = you may not do this ({ $action })
wf-reason = { $action } needs a reason
wf-items = { $action } needs the items in question ticked
