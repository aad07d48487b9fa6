# kaohe 简体中文消息目录 (默认语言)

## 模板检查 (kaohe template check)
diag-toml = 模板文件格式错误: { $detail }
help-toml = 检查该行的引号、括号和逗号; 字段名见 docs/templates.md
diag-bad-id = 标识 `{ $id }` 不可用: 只能由字母、汉字、数字和下划线组成，且不能以数字开头
help-bad-id = 例如 `sales`、`销售任务`、`late_times`; `total`、`and`、`or`、`not` 为保留字
diag-duplicate-id = 标识 `{ $id }` 重复
help-duplicate-id = 每个参数、输入、指标、项目、考核部分、事件和奖金项的 id 必须唯一，请改名
diag-bad-choice = 字段 `{ $field }` 的值 `{ $value }` 无效，可选值: { $choices }
diag-missing-field = 规则 `{ $rule }` 需要字段 `{ $field }`
help-missing-field = 为该项目补上 `{ $field }`
diag-unused-field = 字段 `{ $field }` 在规则 `{ $rule }` 中不起作用
help-unused-field = 该规则使用的字段: { $rules }
help-rules = 可用规则: { $rules }
diag-formula = 「{ $what }」的公式有误: { $detail }
help-formula = { $detail }
diag-unknown-name = 「{ $what }」的公式引用了不存在的名称 `{ $name }`
help-did-you-mean = 是否应为 `{ $name }`?
help-unknown-name = 公式只能引用已声明的输入、参数、指标、项目、考核部分，以及 total
diag-scope = 「{ $what }」的公式不能引用 `{ $name }`: 计算到这一步时它还没有值
help-scope = 指标和项目只能引用输入、参数和指标; 考核部分可再引用项目; 总分可再引用考核部分; 奖金和排名可引用 total
diag-unknown-section = 考核部分 `{ $name }` 不存在
help-unknown-section = 先用 [[section]] 声明该考核部分，或改为已声明的 id
diag-unknown-rater = 评分人 `{ $name }` 不存在
help-unknown-rater = 先用 [[rater]] 声明该评分人及其权重
diag-per-rater = 「{ $what }」的公式用到了 `{ $name }`，它由每位评分人分别填写，只能用在设有评分人 (raters) 的项目规则中
diag-per-rater-none = 输入 `{ $name }` 设为按评分人填写 (per_rater)，但表单没有声明评分人
help-per-rater = 在项目上写 raters = ["self", "supervisor"]，每位评分人的列为 `名称@评分人`；否则去掉 per_rater = true
diag-event-when-count = 事件「{ $event }」不能同时写 when 和 count
diag-cycle = 指标 `{ $name }` 的公式循环引用了自身
help-cycle = 拆开循环: 至少有一个指标必须只由输入和参数计算
diag-source-too-large = 模板文件过大: { $size } 字节，上限为 { $limit } 字节
diag-too-many = { $what } 过多: 有 { $count } 个，上限为 { $limit } 个
diag-metric-depth = 指标 `{ $name }` 经 { $depth } 层指标才算得，超过上限 { $limit } 层
help-limits = 模板的规模有上限 (文件大小、指标、项目、输入、评分人、输入列的个数和指标链的层数)，以免一个模板拖垮服务; 请拆分模板或合并指标
diag-rater-weights = 评分人权重合计为 { $sum }%，应为 100%
help-rater-weights = 调整各评分人的 weight 使其合计 100; 若按相对比例计算，在 [form] 中写 rater_weights = "relative"
diag-peers-without = `{ $field }` 只用于同事评分组，须同时写 peers = 人数
diag-peers-self = 自评 (self) 不能设为同事评分组
diag-peers-size = 同事评分人数 peers 应在 1 到 { $max } 之间，现为 { $n }
diag-peers-min = 最少答卷数 min_answers 应在 1 到 { $n } (peers) 之间，现为 { $k }
diag-peers-number = 项目「{ $item }」由同事评分组「{ $rater }」评分，但所填不是数字（等级名称或勾选项无法取平均）
diag-peers-alone = 项目「{ $item }」只由同事评分组「{ $rater }」评分：答卷不足时该项无法计分
help-peers = 同事评分组写法: peers = 5, min_answers = 3, pick = "同部门" 或 "HR指定"；评分项目另设一位评分人（如 raters = ["supervisor", "peers"]）或写 na = "drop"
diag-negative = 字段 `{ $field }` 不能为负数或零
diag-section-weights = 考核部分权重合计为 { $sum }%，应为 100%
diag-section-weight-missing = 部分考核部分有权重、部分没有
help-section-weights = 给每个 [[section]] 写上 weight 且合计 100，或全部不写(总分为各部分之和)，或在 [form] 中用 total 写出总分公式
diag-section-sum = 考核部分「{ $section }」声明满分 { $points } 分，但各项目分值合计 { $sum } 分
help-section-sum = 调整项目的 points 或该部分的 points，使两者一致
diag-min-max = 范围下限 { $lo } 大于上限 { $hi }
help-min-max = 交换两个数，写成 [小, 大]
diag-default-range = 默认值 { $value } 不在允许范围内
diag-decimals = decimals 最多为 10
diag-step-per = 每档幅度 per 必须大于 0
diag-step-sign = 每档要写 deduct(扣分) 或 add(加分) 之一
help-step-sign = 例如 below = {"{"} per = 5, deduct = 3 {"}"} 表示「每低 5 扣 3 分」
diag-event-sign = 事件「{ $event }」要写 deduct(扣分) 或 add(加分) 之一
help-event-sign = 例如 {"{"} id = "late", name = "迟到", deduct = 1 {"}"}; 扣分写正数
diag-event-negative = 事件分值写正数: 扣分用 deduct，加分用 add
diag-event-amount = 事件分值必须是数字或范围 [低, 高]
diag-range-formula = range 必须是数字范围 [低, 高]
diag-level-dup = 等级 { $level } 重复
diag-picked-band = 由考核人选分的分档，score 必须是数字或范围
diag-too-many-criteria = 一个检查清单最多 32 条
diag-band-empty = 分档 [{ $from }, { $to }) 为空: from 必须小于 to
help-band-empty = from 是下限(含)，to 是上限(不含)
diag-band-gap = 分档之间有缺口: { $from } 到 { $to } 之间没有分档
help-band-gap = 增加一档 {"{"} from = { $from }, to = { $to }, score = … {"}"}，并在注释中说明表上没有规定时按什么处理
diag-band-overlap = 分档 { $a } 与 { $b } 重叠
help-band-overlap = 调整 from / to，使每个值只落在一个分档内(from 含，to 不含)
diag-band-low = 低于 { $from } 的值不在任何分档内，将得 0 分
diag-band-high = 不低于 { $to } 的值不在任何分档内，将得 0 分
help-band-low = 若这是有意的，可忽略; 否则让最低一档不写 from、最高一档不写 to
diag-grade-order = 等级「{ $grade }」的 min 必须低于上一个等级
diag-grade-open = 只有最后(最低)一个等级可以不写 min
help-grade-order = 等级从高到低排列，例如 优秀 min = 90，良好 min = 80，合格 min = 60，不合格不写 min
diag-item-unreachable = 项目「{ $item }」最多只能得 { $hi } 分，达不到分值 { $points } 分
help-item-unreachable = 检查分档、等级或清单的分数，或把 points 改为实际可得的满分
diag-total-unreachable = 总分最多只能达到 { $hi } 分，达不到声明的 { $points } 分
help-total-unreachable = 检查各项目分值与权重，或修改 [form] 的 total_points
diag-total-exceeds = 总分最高可达 { $hi } 分，超过声明的 { $points } 分
diag-total-unbounded = 总分没有上限，可能超过声明的 { $points } 分
help-total-exceeds = 若表上允许超过满分(如超额加分)，在 [form] 中写 may_exceed_total = true; 否则为项目设置 max
diag-total-negative = 总分可能为负数
help-total-negative = 若表上允许(如「单项分值可以扣至负数，并入总分」)，在 [form] 中写 may_go_negative = true

## 计分时的数据错误
err-div-zero = 计算「{ $what }」时除数为 0 (公式: { $formula })
err-overflow = 计算「{ $what }」时数值过大 (公式: { $formula })
err-too-big = 计算「{ $what }」时数值超出可计算的范围 (28 位有效数字)，请检查填写的数值
err-target-zero = 项目「{ $item }」的目标值为 0，无法计算完成比例 (目标: { $formula })
err-event-count = 事件「{ $event }」的次数公式 { $formula } 算得 { $value }，不是不小于 0 的整数
err-na-forbidden = 项目「{ $item }」不允许填写「不适用」
err-event-range = 事件「{ $event }」发生 { $count } 次，每次 { $lo }–{ $hi } 分，合计应在 { $min } 到 { $max } 之间，填写的是 { $value }
err-pick-missing = 项目「{ $item }」需要考核人在分档范围内选定分数
err-pick-range = 项目「{ $item }」选定的 { $value } 不在本档范围 { $lo }–{ $hi } 内
err-tier-pick = 项目「{ $item }」的得分 { $value } 不属于任何分档 (可选: { $allowed })
err-level = 项目「{ $item }」没有等级 { $value } (可选: { $known })
err-reason = 项目「{ $item }」加扣 { $value } 分必须填写理由
err-unknown-param = 没有参数 `{ $id }` (本模板的参数: { $known })
err-param-range = 参数 `{ $id }` 的值 { $value } 超出允许范围 [{ $min }, { $max }]

## 计分说明
ex-metric = { $name } = { $formula } = { $arithmetic } = { $value }{ $unit }
ex-measure = { $label } { $value }{ $unit }，目标 { $target }{ $unit }
ex-zero-below = { $measure }{ $unit } 低于 { $cutoff }{ $unit }，本项不计分
ex-steps-below = 低于目标 { $gap }{ $unit }，按每 { $per }{ $unit } 扣 { $step } 分计 { $n } 档，扣 { $amount } 分
ex-steps-above = 超过目标 { $gap }{ $unit }，按每 { $per }{ $unit } { $sign }{ $step } 分计 { $n } 档，{ $sign }{ $amount } 分
ex-ratio = { $label } 实际 { $measure }，目标 { $target }，{ $better ->
    [lower] 越低越好，完成比例 = 目标 ÷ 实际
   *[higher] 完成比例 = 实际 ÷ 目标
 } = { $pct }%
ex-ratio-cap = 按 { $cap }% 封顶
ex-ratio-score = { $points } 分 × { $pct }% = { $value }
ex-tier = { $label } { $measure }{ $unit }，落在第 { $n } 档 { $band }，得 { $value } 分 { $text }
ex-tier-none = { $measure } 不在任何分档内，得 0 分
ex-tier-picked = 考核人评定第 { $n } 档 ({ $range } 分)，给 { $value } 分 { $text }
ex-level = 评定为 { $level } 级，得 { $value } 分 { $text }
ex-rating = 评分 { $rating } / { $scale }，折算 { $points } 分 × { $rating } ÷ { $scale } = { $value }
ex-grade = 评定为「{ $grade }」，按 { $pct }% 计，{ $points } 分 × { $pct }% = { $value }
ex-checklist = 达标 { $n } / { $total } 项: { $met }，得 { $value } 分
ex-events-start = 基础分 { $start }
ex-event-deduct = { $event } { $count } 次 (每次扣 { $per } 分)，扣 { $amount } 分
ex-event-add = { $event } { $count } 次 (每次加 { $per } 分)，加 { $amount } 分
ex-event-cap = 「{ $event }」最多计 { $cap } 分
ex-event-when-no = 「{ $event }」条件 { $cond } ({ $arithmetic }) 不成立，不扣分
ex-adjust = 加扣 { $value } 分，理由: { $reason }
ex-score = 考核人评分 { $value }
ex-formula = { $formula } = { $arithmetic } = { $value }
ex-raters = 各评分人加权: ({ $parts }) ÷ { $weights } = { $value }
ex-floor = { $raw } 低于下限，按 { $floor } 分计 (扣完为止)
ex-cap = { $raw } 超过上限，按 { $max } 分计
ex-round = { $raw } 四舍五入保留 { $dp } 位小数为 { $value }
ex-floor-cap = { $raw } 超过扣分上限，按 { $floor } 分计
ex-rater-head = 〔{ $rater }〕
err-pick-unused = 项目「{ $item }」本档分数固定为 { $value }，不需要选定分数 (请清空该列)
ex-rater-absent = 〔{ $rater }〕不适用，不计入，其余评分人按权重折算
ex-item-score = 得分 { $value } (分值 { $points })
ex-peer-average = 本项不适用，取同组其他人平均分 { $value }
ex-peer-none = 本项不适用，且同组无人适用，按 0 分计
ex-dropped = 本项不适用，不计入，所在部分按其余项目折算
ex-renormalise = 适用项目得分 { $sum } ÷ 适用分值 { $applicable } × { $points } = { $value }
ex-section-sum = { $parts } = { $value }
ex-total-sum = { $parts } = { $value }
ex-grade-band = 总分 { $total } ≥ { $min }，等级「{ $grade }」
ex-pay = { $name } = { $formula } = { $arithmetic } = { $raw }，四舍五入到分: { $value } 元
ex-rank = 在「{ $group }」组 { $size } 人中排名第 { $rank }
ex-selected = 评为「{ $title }」

## 说明的标题
ex-head-item = { $name }
ex-head-total = 总分
ex-head-grade = 等级
ex-head-rank = 排名

## 输入数据
in-dup-column = 列「{ $header }」与第 { $first } 列是同一项，重复了
in-no-id = 缺少工号列: 请加一列 id (或「工号」)
in-missing-column = 缺少列 `{ $id }`({ $name }){ $hint }
in-empty-id = 工号为空
in-empty = 「{ $name }」未填写
in-short-row = 这一行比表头短，缺少 `{ $id }`
in-not-number = 「{ $name }」的值 `{ $value }` 不是数字
in-range = 「{ $name }」的值 { $value } 超出允许范围 [{ $min }, { $max }]
in-na = 「{ $name }」不能填写「不适用」
in-choice = 「{ $name }」的值 `{ $value }` 不是可选项 ({ $choices })
in-set = 「{ $name }」中的 `{ $value }` 不是 1 到 { $n } 的条目编号
in-no-percent = 「{ $name }」不是百分比，请去掉 % (填写的是 `{ $value }`)
in-count = 「{ $name }」应为不小于 0 的整数次数 (填写的是 `{ $value }`)
in-dup-id = 工号 `{ $id }` 重复 (第 { $first } 行已出现)

## 表单显示 (kaohe template show)
show-header = 适用岗位: { $positions }    考核周期: { $period }    满分: { $total }
show-raters = 评分人及权重: { $raters }
show-peers = （同事 { $n } 人，{ $pick }，至少 { $k } 人作答才计入）
show-peers-dept = 同部门轮换
show-peers-hr = HR指定
show-param = 参数「{ $name }」(`{ $id }`) 默认 { $value }{ $unit }
show-points = { $points } 分
show-total-formula = 总分 = { $formula }
show-total-sum = 总分 = 各部分得分之和(有权重时按权重加权)
show-grades = 等级: { $grades }
show-ranking = 排名依据: { $by }; 每组前 { $top } 名评为「{ $title }」
show-ranking-plain = 排名依据: { $by }
rule-ratio = 按完成比例计分({ $better ->
    [lower] 越低越好: 目标 ÷ 实际
   *[higher] 实际 ÷ 目标
 }): { $points } 分 × 比例; 实际 = { $measure }，目标 = { $target }
rule-cap-pct = 比例最高按 { $cap }% 封顶
rule-zero-below = 低于 { $cutoff } 时本项不计分
rule-steps = 对照目标按档加扣: 实际 = { $measure }，目标 = { $target }，基础 { $points } 分
rule-step-below = 每低于目标满 { $per } 扣 { $step } 分
rule-step-above = 每超过目标满 { $per } 加 { $step } 分
rule-tiers = 按 { $measure } 所在分档计分(下限含、上限不含):
rule-tiers-picked = 由考核人对照描述选定分档，并在该档分数范围内给分:
rule-levels = 由考核人评定等级:
rule-rating = 由考核人按 1–{ $scale } 评分，折算为 { $points } 分 × 评分 ÷ { $scale }
rule-grade = 由考核人评定等级，按百分比折算分值:
rule-checklist = 逐条检查，达标即得该条分数:
rule-events = 基础 { $start } 分，按事件加扣:
rule-adjust = 由公司综合评定加扣，范围 { $lo } 到 { $hi } 分，必须写明理由
rule-score = 由考核人在 { $lo }–{ $hi } 分之间评分
rule-formula = 按公式计分: { $formula }
rule-event-deduct = { $event }: 每次扣 { $per } 分
rule-event-add = { $event }: 每次加 { $per } 分
rule-event-when = (满足 { $cond } 时计一次)
rule-event-cap = (最多计 { $cap } 分)
rule-floor-zero = 扣完为止(最低 0 分)
rule-floor = 最低 { $floor } 分
rule-negative = 可扣至负数，并入总分
rule-no-cap = 不设上限
rule-na-peer = 不适用时取同组平均分
rule-na-drop = 不适用时不计入，权重重新分配
rule-raters = 评分人: { $raters }
in-csv = CSV 格式错误: { $detail }

wf-not-now = 考核表处于「{ $state }」，现在不能{ $action }
wf-not-allowed = 你无权{ $action }
wf-reason = { $action }须写明理由
wf-items = { $action }须选出有异议的项目
