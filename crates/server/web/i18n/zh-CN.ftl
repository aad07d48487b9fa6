# 网页的文字（简体中文，默认）。键与 en.ftl 一一对应；模板里用 t("键") 取用。

## 通用
app-name = 考核
app-tagline = 客户经理绩效考核
nav-tasks = 待办
nav-ledger = 我的台账
nav-hr = 人事管理
nav-main = 主导航
signed-in-as = 当前用户：{ $name }
sign-out = 退出
lang-switch = 语言
lang-zh = 中文
lang-en = English
back-to-tasks = 返回待办
none = —

## 登录
login-title = 登录
login-intro = 请使用人事部门分配的账号登录。
login-username = 用户名
login-password = 密码
login-submit = 登录
login-failed = 用户名或密码不正确，请重新输入。
login-busy = 此刻登录的人太多，请几秒钟后再试。
login-locked = 密码错误次数过多，该账号已暂停登录，请 { $minutes } 分钟后再试。如忘记密码，请联系人事部门重置。
login-demo-refused = 演示账号的默认密码只在 --demo 下可用，请修改密码（以 --demo 启动后登录，在「修改密码」页修改）。
demo-title = 演示用户
demo-intro = 这是一家演示公司（30 名员工，10 个部门，2026年10月已结束，2026年11月进行中）。以下用户的密码均为 { $password }。
demo-col-user = 用户名
demo-col-who = 身份
demo-user-hr = 人事部绩效专员（人事管理员）：发起考核、查看全部结果
demo-user-zhuguan = 市场部经理 王强（考核人）：为下属评分
demo-user-xingzheng = 行政部考勤专员（数据录入）：录入考勤
demo-user-fuhe = 人事主管（复核）
demo-user-shenpi = 总经理（审批）
demo-user-zhangwei = 大客户经理 张伟（被考核人）：查看结果、签字或申诉

## 待办
tasks-title = 我的待办
tasks-empty = 目前没有待办事项。
tasks-count = { $count } 项
tasks-col-cycle = 考核周期
tasks-col-who = 被考核人 / 部门
tasks-col-rater = 评分身份
tasks-col-due = 截止日期
tasks-col-open = 操作
tasks-open = 打开
tasks-dept-data = 本部门数据
task-kind-data = 数据录入
task-kind-self = 自评
task-kind-rate = 评分
task-kind-review = 复核
task-kind-approve = 审批
task-kind-sign = 签字确认

## 考核表
sheet-title = 考核表
sheet-name = 姓名
sheet-emp-no = 工号
sheet-position = 岗位
sheet-department = 部门
sheet-period = 考核期间
sheet-cycle = 考核周期
sheet-state = 状态
sheet-col-section = 考核内容
sheet-col-item = 考核项目
sheet-col-standard = 考核标准
sheet-col-points = 分值
sheet-col-values = 录入数据
sheet-col-score = 得分
explain = 说明计算
sheet-subtotal = 小计
sheet-total = 合计
sheet-grade = 等级
sheet-bonus = 绩效奖金
sheet-scores-hidden = 得分在结果发布后可见。
sheet-not-scored = 尚未计分：{ $reason }
sheet-no-values = 未录入
sheet-notes = 说明
sheet-self-summary = 自我总结
sheet-comments = 主管评语
sheet-next-goals = 下期工作要求
sheet-appeal = 申诉
sheet-appeal-reason = 申诉理由
sheet-appeal-items = 申诉项目
sheet-appeal-decision = 处理结果
sheet-signatures = 签字
sheet-sig-name = 签名
sheet-sig-date = 日期
sheet-sig-default = 视为默认
sig-appraisee = 被考核人
sig-rater = 考核人
peers-too-few = 同事评分不足{ $k }人，暂不显示
peers-title = 同事评分人
peers-help = 仅人力资源部可见：谁评、是否已评，不含评分内容。
peers-answered = 已评
peers-waiting = 未评
peers-entry-note = 你的同事评分是匿名的：被考核人和其上级只看到至少 { $k } 位同事的平均分，看不到你是谁、给了几分。评分阶段结束前可以修改。
sig-review = 复核
sig-approval = 审批
sig-on-behalf = { $delegate } 代 { $principal }
state-data_entry = 数据录入
state-self_assessment = 自评
state-rating = 评分
state-review = 复核
state-approval = 审批
state-published = 待确认
state-appealed = 申诉中
state-confirmed = 已确认
decision-upheld = 维持原结果
decision-reopened = 重新评分

## 签字与申诉
sign-title = 签字确认
sign-help = 请核对以上结果。确认无误请写上您的姓名并签字。
sign-due = 请在 { $due } 前签字或申诉，逾期不签视为默认。
sign-name = 姓名
sign-submit = 签字确认
appeal-title = 申诉
appeal-help = 对结果有异议，请写明理由并勾选有异议的项目。
appeal-reason = 申诉理由
appeal-items = 有异议的项目
appeal-submit = 提交申诉
entry-title-rate = 评分
entry-title-self = 自评
entry-help = 填写您负责的项目。「保存」只保存；「提交」保存并交出，交出后不能再改。
entry-range = { $min } ~ { $max }
entry-save = 保存
entry-submit = 提交
entry-choose = 请选择
entry-choose-missing = 请选择「{ $name }」的一项再提交
decide-title-review = 复核
decide-help-review = 核对以上数据和分数。「复核通过」交审批；「退回评分」请写明理由。
decide-title-approve = 审批
decide-help-approve = 「审批通过」后结果发布给被考核人并锁定奖金；「驳回复核」请写明理由。
decide-title-appeal = 处理申诉
decide-help-appeal = 调查后「维持原结果」，或勾选需要重新评分的项目「重新评分」；两者都请写明理由。
decide-reason = 理由
decide-reopen-items = 重新评分的项目
decide-review-pass = 复核通过
decide-review-return = 退回评分
decide-approve = 审批通过
decide-reject = 驳回复核
decide-uphold = 维持原结果
decide-reopen = 重新评分
sheet-pdf = 下载 PDF
sheet-xlsx = 下载 Excel
jump-entry = ↓ 去{ $what }
jump-respond = ↓ 签字确认或申诉
results-title = 考核结果
results-cycle = 考核周期
results-count = 人数（全部考核表）
results-bonus-sum = 奖金合计（全部，含未确认）
results-confirmed = 已确认人数（工资表所列）
results-confirmed-sum = 已确认奖金合计（= 工资表合计）
results-distribution = 等级分布
results-none = 未评级
results-all = 全部
results-dept-summary = { $count } 人，奖金 { $bonus } 元
results-rank = 排名
results-subtotal = 小计
results-sig-made = 制表
action-failed = 未能完成：{ $reason }
store-rows = { $count } 处错误，未保存任何数据：{ $list }
store-row = 第 { $line } 行：{ $problem }
action-bad-version = 表单缺少版本号，请刷新页面后重试。
action-unknown = 不支持的操作。

## 部门数据录入
grid-title = 数据录入
grid-due = 截止 { $due }
grid-help = 每人一行，本部门负责的数据各占一列。「保存」一次保存整页（有一处错误则全部不保存）；「提交」保存并交出本部门的数据。
grid-closed = 本部门的数据已提交，或已过数据录入阶段，只能查看。
grid-no-columns = 这张考核表没有由本部门提供的数据。
grid-complete = 提交本部门数据
grid-prev = 上一页
grid-next = 下一页

## 台账
ledger-title = 我的绩效台账（近 12 个月）
ledger-empty = 暂无已发布的考核结果。
ledger-no-employee = 您的账号没有关联员工，没有台账。
ledger-sheets = 我的考核表
ledger-col-period = 期间
ledger-col-form = 考核表
ledger-col-cycle = 考核周期
ledger-col-state = 状态
ledger-col-total = 得分
ledger-col-grade = 等级
ledger-col-bonus = 绩效奖金（元）

## 错误与未完成的页面
error-404-title = 页面不存在
error-404-text = 没有这个页面，或者您无权查看。
error-403-title = 请求被拒绝
error-403-csrf = 表单已过期或不是从本系统提交的。请返回、刷新页面后重试。
error-500-title = 服务器出错
error-500-text = 服务器内部错误，已记录。请稍后再试。
error-401-text = 登录已过期，请重新登录。
live-note = 以上得分按您刚填写的数据试算，尚未保存；保存或提交后生效。
todo-title = 页面建设中
todo-text = 这个页面将在后续版本提供；目前可通过 JSON 接口完成（见 /api/openapi.json）。
todo-hr = 人事管理页面

## Rater controls (crates/server/src/web/controls.rs)
ctl-points = { $points } 分
ctl-points-range = { $lo }～{ $hi } 分
ctl-checklist = （勾选达到的各项）
ctl-grade-pick = 在所选等级的百分比范围内填写
ctl-adjust = 酌情加减分，须填写理由
ctl-reason = 有加减分时必须填写理由
ctl-tiers = 按档次在范围内打分：{ $tiers }
ctl-event-plus = 「{ $event }」每次加 { $each }
ctl-event-minus = 「{ $event }」每次扣 { $each }
ctl-event-cap = ，最多 { $cap } 分
ctl-event-picked = 填写各次合计的分数（每次 { $lo }～{ $hi } 分）

## Pasting into the grid (web/assets/grid.js)
grid-paste-help = 可以从 Excel 复制一块单元格（多行多列），在表格中点一个格子后粘贴：数据从该格起向右、向下填入；若第一列是工号（或姓名），则按工号填到各人所在行，顺序不限。粘贴后请检查，再点「保存」。
grid-pasted = 已粘贴 { $filled } 个格子，尚未保存。
grid-pasted-partial = 已粘贴 { $filled } 个格子，另有 { $skipped } 个超出表格范围而未粘贴；尚未保存。
grid-pasted-keyed = 已按工号（或姓名）填入 { $rows } 人、{ $filled } 个格子，尚未保存。
grid-pasted-outside = 另有 { $skipped } 个超出表格范围而未粘贴。
grid-pasted-missing = 以下工号或姓名不在本页表格中，未粘贴：{ $list }
appeal-item-reason = 本项理由（可选）
appeal-item-reason-ph = 例如：退货冲回未计入（可选）
## 账号与首次使用（hrorg）
field-required = 必填。
line-n = 第 { $line } 行
password-title = 修改密码
password-help = 密码至少 { $min } 位。修改后，您在其他设备或浏览器上的登录将全部退出。
password-current = 当前密码
password-new = 新密码
password-confirm = 再次输入新密码
password-submit = 修改密码
password-done = 密码已修改。其他设备上的登录已退出。
password-too-short = 密码至少 { $min } 位。
password-mismatch = 两次输入的新密码不一致。
setup-title = 首次使用：创建管理员
setup-intro = 系统还没有任何用户。请输入服务器启动时在日志中打印的一次性令牌，并为人事管理员设置用户名和密码。创建后即以该管理员身份登录。
setup-token = 一次性令牌（见服务器日志）
setup-username = 管理员用户名
setup-submit = 创建管理员并登录
setup-bad-token = 令牌不正确。请从服务器日志中复制「首次使用」下方打印的令牌。
setup-done-title = 系统已初始化
setup-done-text = 已有管理员，不能再次初始化。请直接登录；忘记密码请联系管理员或使用命令行 kaohe user。
error-403-hr = 此页面仅限人事管理员访问。

## 人事管理首页
hr-title = 人事管理
hr-summary = 目前共有 { $departments } 个部门、{ $employees } 名在职员工、{ $forms } 张考核表。
hr-org-title = 组织架构
hr-org-text = 部门树、员工名单与导入导出（CSV 或 Excel，全部成功才导入）。
hr-templates-title = 考核表模板
hr-templates-text = 考核表及其版本、上传新版本、试算评分。
dept-kind-line = 业务部门
dept-kind-functional = 职能部门

## 组织架构
org-title = 组织架构
org-departments = 部门
org-employees = 员工
org-col-code = 部门编码
org-col-dept = 部门名称
org-col-kind = 类型
org-col-count = 在职人数
org-col-supervisor = 直接上级
org-col-unit = 层级
org-col-head = 负责人
org-export = 导出组织架构（可原样再导入）：
org-export-xlsx = Excel（.xlsx）
org-export-csv = CSV
unit-head_office = 总行
unit-branch = 分行
unit-sub_branch = 支行
unit-department = 部门
unit-team = 团队
org-inactive = 已停用
org-second-post = 兼岗：{ $dept }
org-second-post-as = 兼岗：{ $dept }（{ $position }）
org-no-departments = 还没有部门。请先导入组织架构。
org-no-employees = 还没有员工。
org-no-match = 没有工号或姓名包含「{ $query }」的员工。
org-search = 按工号或姓名查找
org-search-submit = 查找
org-search-clear = 显示全部
org-found = 工号或姓名包含「{ $query }」的员工共 { $count } 名。
org-showing = 当前显示第 { $first }–{ $last } 名，共 { $count } 名（含已停用）。
org-import-title = 导入组织架构
org-import-help = 上传 CSV 或 Excel（.xlsx）文件（CSV 用 UTF-8 或 Excel 另存的 GBK 均可），或直接粘贴 CSV。表头与导出文件及命令行 kaohe org import 相同：工号、姓名、部门编码、部门名称、部门类型（业务/职能）、单位层级（总行/分行/支行/部门/团队）、上级部门（部门编码或名称，空表示顶层）、负责人（工号）、岗位、直接上级工号、岗位类型（主岗/兼岗，空为主岗；兼岗行重复主岗行的工号）、生效日期（调动生效日，如 2026-11-15，空为今天）。工号和姓名都为空的行只描述部门。有「岗位类型」列时，文件中员工未列出的兼岗即结束。已有工号的员工将被更新；上级部门、负责人、单位层级留空时保留原值。任何一行有错，全部不导入。
org-import-file = CSV 或 Excel 文件
org-import-file-was = 上次选择的文件：{ $file }
org-import-paste = 或粘贴 CSV 内容
org-import-check = 只检查，不保存
org-import-submit = 导入
org-import-failed = 导入未完成，未保存任何数据。请按下列提示修改后重新导入：
org-import-empty = 文件中没有员工数据。
org-col-line = 行
org-col-field = 字段
org-col-problem = 问题
org-imported = 导入成功：新增部门 { $departments } 个、岗位 { $positions } 个、员工 { $added } 名，更新员工 { $updated } 名。
org-checked = 检查通过（未保存）：将新增部门 { $departments } 个、岗位 { $positions } 个、员工 { $added } 名，更新员工 { $updated } 名。取消勾选「只检查」后再次提交即可导入。

## 考核表模板
tpl-title = 考核表模板
tpl-none = 还没有考核表。请在下方上传模板。
tpl-col-id = 编号
tpl-col-title = 名称
tpl-col-version = 版本
tpl-col-published = 发布时间
tpl-col-by = 发布人
tpl-col-rule = 计分规则
tpl-view = 查看
tpl-preview = 试算
tpl-new-version = 上传新版本
tpl-version-n = 第 { $version } 版
tpl-published = 已发布 { $form } 第 { $version } 版。
tpl-published-at = { $at } 由 { $by } 发布
tpl-not-latest = 这不是最新版本
tpl-total-points = 满分 { $points }
tpl-sheet = 考核表
tpl-show = 全文（与 kaohe template show 相同）
tpl-warnings = 检查提示
tpl-versions = 历史版本
tpl-source = 模板源文件（TOML）
tpl-upload-title = 上传模板
tpl-upload-help = 上传 TOML 模板文件或粘贴其内容。编号（form.id）已存在时发布为该表的新版本，否则新建一张表。模板先经检查，有任何错误都不会发布；已发起的考核周期仍使用原来的版本。
tpl-upload-file = 模板文件（.toml）
tpl-upload-paste = 或粘贴模板内容
tpl-upload-submit = 检查并发布
tpl-refused = 模板有 { $count } 处错误，未发布。错误标注在对应行下方：
tpl-diag-count = 错误 { $errors } 处，提示 { $warnings } 处。
tpl-error = 错误
tpl-warning = 提示
tpl-at = 第 { $line } 行第 { $column } 列
tpl-help = 建议：{ $help }
tpl-empty = 请选择模板文件或粘贴模板内容。
tpl-not-utf8 = 模板文件不是 UTF-8 编码。请用 UTF-8 保存后重新上传。

## 试算
preview-title = 试算
preview-help = 为每项数据填写一个值，按此模板计分，显示各项得分、小计、总分、等级、奖金及每个数字的计算说明。试算不保存任何数据。
preview-submit = 计算
preview-result = 试算结果
preview-na = 不适用
preview-errors = 有数据需要修改，见各字段下方的提示。
## HR: cycles, results, appeals, audit (hr_cycles.rs, hr_results.rs, hr_audit.rs)
nav-hr-cycles = 考核周期
nav-hr-appeals = 申诉处理
nav-hr-audit = 审计日志
cycle-status-draft = 草稿
cycle-status-launched = 进行中
cycle-status-closed = 已结束
cycle-status-cancelled = 已取消
hrc-edit = 修改草稿
hrc-edit-submit = 保存修改
hrc-update-failed = 未能保存修改，请按提示修改后重试。
hrc-delete = 删除草稿
hrc-delete-title = 删除草稿「{ $name }」？
hrc-delete-text = 删除后无法恢复（审计日志中保留记录）。
hrc-delete-submit = 确认删除
hrc-back = 返回，不做更改
hrc-launch-title = 确认发起「{ $name }」
hrc-launch-text = 发起后将为以下 { $count } 人建立考核表，并向相关部门、本人和评分人派发待办。发起后不能再修改或删除。
hrc-launch-total = 奖金基数合计：{ $total } 元（{ $count } 人）
hrc-launch-no-base = 本周期未设置奖金基数。
hrc-peers-short = 同事评分人数不足：{ $count } 位被考核人的同事少于需要作答的人数，他们的同事评分项将无法评分（按不适用计）。
hrc-peers-short-hr = 本表单的同事由 HR 指定（HR指定），请在周期的“同事名单”中为他们填写同事后再发起。
hrc-peers-short-edit = 去填写同事名单
hrc-peers-short-line = 「{ $group }」评分组有 { $found } 位同事，需要 { $needed } 位作答
hrc-peers-short-more = 另有 { $count } 条未列出。
hrc-launch-submit = 确认发起（{ $count } 人）
hrc-col-emp-no = 工号
hrc-col-emp-name = 姓名
hrc-col-position = 岗位
hrc-col-base = 奖金基数
hrc-copy = 复制为下一期
hrc-cancel = 取消周期
hrc-cancel-help = 取消后所有未办待办将关闭，周期不再进行。已有结果公布或确认后不能取消。
hrc-cancel-reason = 取消原因（必填）
hrc-cancel-submit = 确认取消周期
hrc-cancelled = 已取消，原因：{ $reason }
hrc-title = 考核周期
hrc-empty = 还没有考核周期。请在下方新建。
hrc-col-name = 名称
hrc-col-form = 考核表
hrc-col-period = 期间
hrc-col-status = 状态
hrc-col-appraisals = 人数
hrc-col-confirmed = 已确认
hrc-col-published = 已公布
hrc-bar-label = { $total } 人中 { $count } 人
hrc-launch = 发起
hrc-score = 立即计分
hrc-results = 考核结果
hrc-create = 新建考核周期
hrc-f-form = 考核表（模板）
hrc-f-version = 模板版本
hrc-ph-version = 例如 2（留空即用最新版本）
hrc-ph-period = 例如 2026-12
hrc-ph-name = 例如 2026年12月 大客户经理考核
hrc-ph-positions = 例如 大客户经理, 客户经理
hrc-ph-employees = 例如 A001, A002
hrc-ph-params = 例如 target_pct=95
hrc-ph-targets = 例如 大客户经理: 月度绩效奖金=3000
hrc-f-period = 期间（如 2026-12、2026-Q4、2026）
hrc-f-name = 名称
hrc-f-members = 考核对象
hrc-f-members-form = 考核表所列岗位的全部人员
hrc-f-members-positions = 以下岗位（逗号分隔）
hrc-f-members-employees = 以下工号（逗号分隔）
hrc-f-members-all = 全体在职员工
hrc-f-data-due = 数据提交截止日
hrc-f-rating-due = 评分截止日
hrc-f-window = 确认期（小时）
hrc-f-params = 参数（每行 参数=值）
hrc-f-targets = 目标与奖金基数
hrc-f-targets-help = 每行一个岗位（或一名员工的工号），每列是考核表上的一项；空格不设值。工号所在行只对该员工生效，并优先于岗位的值。
hrc-f-rules = 考核关系规则
hrc-f-rules-help = 每个评分人一条规则，按组织架构为每位被考核人找评分人：直接上级；部门负责人（本部门负责人）；<单位层级>负责人，如 支行负责人、分行负责人（所在单位以上最近的该层级单位的负责人）；部门:<编码或名称>（由该部门录入）；工号:<工号>（指定一人）。留空：直接上级，或与评分人同名的部门。在考核关系页为个人指定的评分人优先于规则。
hrc-f-rules-review = 复核与审批按授权：在某单位上授予“复核”或“审批”的用户，负责该单位及其下级所有人（如在分行上授予分行人力复核、分行行长审批），在用户页设置。
hrc-f-peers = 同事评分人（HR 指定）
hrc-f-peers-help = 每行一位被考核人：被考核人工号: 同事工号, 同事工号 …（例如 A001: A002, A003, A004）。写了的人按此指定；没写的人：表单规定“同部门”时按同部门轮流选取，规定“HR指定”时没有同事评分。同事的单项评分不向被考核人及其上级显示，只在答满规定人数后显示平均分。
hrc-err-peers-line = 第 { $line } 行应写成 工号: 工号, 工号（被考核人工号、冒号、同事工号）。
hrc-ph-rule = 如 支行负责人
hrc-f-targets-lines = 每行 岗位或工号: 项目=值, 项目=值
hrc-f-targets-lines-help = 例如「大客户经理: 月度绩效奖金=3000」（项目可写表上的名称或编号），与上表一并保存；同一岗位两处都填时以这里为准。
hrc-tg-who = 岗位或工号
hrc-ph-tg-who = 另加岗位或工号
hrc-tg-employee = （员工）
hrc-tg-refresh = 按所选考核表列出目标表
hrc-tg-refresh-help = 换了考核表后，点下方「按所选考核表列出目标表」，表格换成该表的各项（不保存）。
hrc-tg-paste = 或按行粘贴（高级）
hrc-err-cell = { $row } · { $col }：{ $msg }
hrc-err-row = { $row }：{ $msg }
hrc-err-target-who = 这一行填了值，请写明岗位或工号。
hrc-create-submit = 创建（草稿）
hrc-create-failed = 未能创建考核周期，请按提示修改后重试。
hrc-err-version = 版本应为正整数，留空则用最新版本。
hrc-err-window = 确认期应为整数小时。
hrc-err-pair = 「{ $line }」应写成 项目=值。
hrc-err-target = 「{ $line }」应写成 岗位或工号: 项目=值。
hrc-err-positions = 请填写至少一个岗位。
hrc-err-employees = 请填写至少一个工号。
hrc-data-due = 数据截止 { $due }
hrc-rating-due = 评分截止 { $due }
hrc-window = 确认期 { $hours } 小时
hrc-links = 结果与下载
hrc-dl-results-xlsx = 结果表 (.xlsx)
hrc-dl-payroll-csv = 工资表 (.csv)
hrc-dl-payroll-xlsx = 工资表 (.xlsx)
hrc-by-state = 各环节进度
hrc-appraisals = 共 { $count } 人
hrc-data = 部门数据提交
hrc-data-count = { $total } 个部门中已提交 { $done } 个
hrc-col-department = 部门
hrc-col-data-state = 数据
hrc-col-due = 截止
hrc-col-done-at = 提交时间
hrc-data-done = 已提交
hrc-data-open = 未提交
hrc-open-grid = 打开数据表
hrc-by-dept = 各部门进度（按被考核人部门）
hrc-late = 逾期未办（催办清单）
hrc-late-count = { $count } 项
hrc-late-none = 没有逾期的待办。
hrc-late-help = 可打印或复制此清单催办。
hrc-late-hr = 人力资源部
hrc-col-who = 责任人/部门
hrc-col-kind = 事项
hrc-col-appraisee = 被考核人
hrc-col-days-late = 逾期
hrc-days = { $count } 天
hrc-late-more = 仅列出前 { $shown } 项，共 { $total } 项。
hrr-title = 考核结果
hrr-count = 共 { $count } 人
hrr-distribution = 等级分布
hrr-chart-title = 等级分布（已定级 { $count } 人）
hrr-no-grades = 尚无等级结果。
hrr-quota-ok = 等级分布符合比例要求。
hrr-quota-over = 等级「{ $grade }」有 { $count } 人，占 { $share }%，超过上限 { $limit }%。
hrr-quota-under = 等级「{ $grade }」有 { $count } 人，占 { $share }%，低于下限 { $limit }%。
hrr-quota-failed = 比例未保存，请按提示修改。
hrr-quotas = 强制分布比例
hrr-quotas-help = 按已定级人数计算比例；留空表示不限。例如 A 最多 20%，D 至少 5%。
hrr-q-count = 人数
hrr-q-share = 占比
hrr-q-max = 最多
hrr-q-min = 至少
hrr-q-check = 检查
hrr-q-over = 超出上限
hrr-q-under = 低于下限
hrr-q-fine = 符合
hrr-quotas-save = 保存比例
hrr-table = 结果明细
hrr-filter-dept = 部门
hrr-all-depts = 全部部门
hrr-filter = 筛选
hrr-page = 第 { $page } / { $pages } 页
hrr-col-department = 部门
hrr-col-group = 岗位/组
hrr-col-total = 总分
hrr-col-grade = 等级
hrr-col-bonus = 奖金（元）
hrr-col-rank = 组内排名
trend-title = 近12个月得分与奖金走势
trend-score = 得分
trend-bonus = 奖金（元）
hra-title = 申诉处理
hra-empty = 没有待处理的申诉。
hra-total = 总分 { $total }
hra-at = 申诉于 { $at }
hra-open-sheet = 查看考核表
hra-reason = 申诉理由：
hra-items = 有异议的项目（重新评分时只开放所选项目）
hra-decision-reason = 处理意见（必填）
hra-uphold = 维持原结果
hra-reopen = 重新评分所选项目
hre-title = 绩效台账
hre-inactive = 已离职
hrau-title = 审计日志
hrau-help = 所有变更均记录在哈希链中，最新的在前。
hrau-verify = 校验哈希链
hrau-actor = 操作人
hrau-entity = 对象
hrau-any = 全部
hrau-entity-id = 编号
hrau-text = 包含文字
hrau-from = 起始日期
hrau-to = 截止日期
hrau-clear = 清除筛选
hrau-empty = 没有符合条件的记录。
hrau-col-at = 时间
hrau-col-action = 操作
hrau-col-change = 原值 → 新值
hrau-col-reason = 理由
hrau-col-hash = 哈希
hrau-value-total = 总分
hrau-value-grade = 等级
hrau-signed-by = 签名：{ $name }
hrau-kind = { $kind ->
    [appraisal] 考核表
    [cycle] 考核周期
    [department] 部门
    [employee] 员工
    [form] 考核表模板
    [organisation] 组织架构
    [template] 模板
    [user] 用户
   *[other] { $kind }
}
hrau-action = { $kind ->
    [appraisal-values] 录入数据
    [appraisal-rating-submitted] 提交评分
    [appraisal-correct-data] 更正数据
    [appraisal-notes] 填写意见
    [appraisal-self-summary] 填写自我总结
    [appraisal-comments] 填写评语
    [appraisal-next-goals] 填写下期目标
    [appraisal-interview] 绩效面谈
    [cycle-create] 新建考核周期
    [cycle-update] 修改考核周期
    [cycle-delete] 删除考核周期
    [cycle-launch] 发起考核周期
    [cycle-cancel] 取消考核周期
    [cycle-copy] 复制为下一期
    [cycle-score] 重新计分
    [cycle-grades] 设定等级
    [cycle-quotas] 设定等级比例
    [cycle-data-complete] 部门数据提交
    [department-create] 新建部门
    [department-change] 部门上级、负责人或层级变更
    [employee-add] 新增员工
    [employee-change] 员工信息变更
    [employee-post] 岗位任职变更（调动、兼岗）
    [import-mapping-save] 保存导入列对应
    [org-import] 导入组织架构
    [template-publish] 发布模板
    [user-code] 发放登录码
    [user-create] 开通账号
    [user-disable] 停用账号
    [user-enable] 启用账号
    [user-grants] 调整权限
    [user-password] 修改密码
    [interview-date] 面谈日期
    [members-sod-exempt] 职责分离豁免
   *[other] { $kind }
}

## HR home tiles for the cycle pages
hr-cycles-text = 创建、启动考核周期，查看各部门进度、逾期提醒、结果排名与强制分布。
hr-appeals-text = 待处理的申诉：维持原结果或重新评分。
hr-audit-text = 每一次修改的记录（谁、何时、改了什么、为什么），可筛选。

users-title = 用户与权限
users-intro = 每个角色可对全部部门，或只对一个部门及其全部下级部门（如「复核 @ 北京分行」：复核北京分行及其下各支行、团队人员的考核表）。每次授予或收回都记入审计日志。
users-name = 用户名
users-roles = 角色
users-add = 授予角色
users-role = 角色
users-department = 部门
users-all-departments = 全部部门
users-give = 授予
users-remove = 收回
users-remove-label = 收回 { $user } 的此角色
users-no-roles = 无角色
users-bad-role = 请选择角色和部门
users-keep-own-hr = 不能收回自己的人事管理员角色（请另一位管理员操作）
role-hr_admin = 人事管理员
role-reviewer = 复核
role-approver = 审批
role-clerk = 数据录入
role-rater = 评分人
role-employee = 员工
hr-users-text = 账号的角色，以及每个角色适用的部门。

## Importing a cycle's data (hr_import.html)
error-refused-title = 无法完成
imp-title = 导入数据
imp-step-upload = 第一步：选择文件
imp-upload-help = 上传各部门报来的 Excel（.xlsx）或 CSV 文件：每位员工一行，有「工号」或「姓名」列，以及本考核表的数据列。表头上方的标题、填报人、单位说明可以保留，底部的合计行会自动略过。
imp-file = 文件
imp-sheet = 工作表（可不填）
imp-sheet-help = 不填则读取第一张工作表。
imp-upload = 上传并预览
imp-no-file = 请选择要导入的文件。
imp-expired = 上传的文件已过期（保留 30 分钟），请重新上传。
imp-unreadable = 文件无法按表格读取，请按下列提示修改后重新上传。
imp-file-is = 文件「{ $file }」，工作表「{ $sheet }」。
imp-step-header = 第二步：确认表头
imp-header-row = 表头所在行
imp-header-change = 改用这一行
imp-totals = 第 { $rows } 行是合计行，不导入。
imp-step-map = 第三步：确认每一列对应的项目
imp-map-help = 已按列名自动对应；「需确认」的是按常见写法推断的，请核对。不需要的列选「不导入」。确认的对应会记住，下次导入同一考核表时自动使用。
imp-col-column = 列
imp-col-header = 表中列名
imp-col-target = 对应项目
imp-col-how = 对应方式
imp-how-exact = 名称一致
imp-how-loose = 需确认
imp-how-remembered = 上次使用
imp-how-chosen = 您的选择
imp-how-none = 未对应
imp-how-other-dept = 不是本部门的数据，忽略
imp-dept-only = 只导入{ $dept }提供的数据：表中其他列不读取，并在预览中标明“忽略”。
imp-back-grid = 回到本部门表格
grid-import = 从 Excel 导入本部门数据
imp-target-none = — 不导入 —
imp-target-id = 工号
imp-target-name = 姓名
imp-target-group = 组
imp-preview-again = 按此对应重新预览
imp-step-preview = 第四步：预览并导入
imp-summary = 读取 { $rows } 行，对上 { $matched } 人；将更新 { $changed } 人的 { $values } 项数据。
imp-problems = { $count } 处问题（改正文件后重新上传，或勾选下方选项只导入没有问题的行）
imp-col-place = 位置
imp-col-problem = 问题
imp-col-row = 行
imp-col-employee = 员工
imp-col-field = 项目
imp-col-old = 原值
imp-col-new = 新值
imp-nothing = 没有需要更新的数据。
imp-skip-invalid = 只导入没有问题的行（有问题的行列在上方，不导入）
imp-run = 导入
imp-other-file = 换一个文件
imp-refused = 未导入：有 { $count } 处问题，没有写入任何数据。
imp-done = 已导入：更新了 { $changed } 人的 { $values } 项数据，分数已重新计算。
imp-skipped = 跳过了 { $count } 行有问题的数据
imp-back = 返回考核周期
imp-another = 再导入一个文件
imp-handin-title = 代部门提交数据
imp-handin-help = 导入已填齐某部门全部数据的，可在此代该部门提交（与部门在表格中点「提交」相同，审计日志记为人事代办）；仍有空格的部门需先补齐。
imp-handin-button = 代{ $dept }提交
imp-handin-complete = 全部 { $cells } 格已填齐。
imp-handin-partial = 还有 { $count } 格未填（共 { $cells } 格），暂不能代为提交。
imp-handin-grid = 打开该部门的表格
imp-handin-none = 该部门在此周期没有待提交的数据。
imp-handin-missing = { $dept }还有 { $count } 格未填，不能代为提交。

## Many at once from 待办 (batch.html)
batch-title-review = 批量复核
batch-title-approve = 批量审批
batch-help-review = 勾选已核对无误的考核表，一次通过复核。需要退回的请打开考核表逐份处理。
batch-help-approve = 勾选要审批通过的考核表。需要驳回的请打开考核表逐份处理。
batch-empty = 没有等待您处理的考核表。
batch-none = 请至少勾选一份考核表。
batch-col-pick = 选择
batch-col-employee = 员工
batch-col-department = 部门
batch-col-total = 总分
batch-col-grade = 等级
batch-col-bonus = 奖金
batch-next = 下一步：确认
batch-confirm-review = 通过 { $count } 份考核表的复核，奖金合计 { $bonus } 元？
batch-confirm-approve = 审批通过 { $count } 份考核表，奖金合计 { $bonus } 元？
batch-changed = 其中 { $count } 份的数据在您查看后已有变化，将不会通过：请重新打开核对。
batch-do-review = 确认通过 { $count } 份
batch-do-approve = 确认审批 { $count } 份
batch-back = 返回修改
batch-done-review = 已通过复核：{ $count } 份。
batch-done-approve = 已审批通过：{ $count } 份。
batch-failed = { $count } 份未能处理
batch-stale = 数据在您查看后已有变化，未处理：请打开考核表重新核对
batch-left = 还有 { $count } 份待处理
batch-to-tasks = 返回待办
batch-not-listed = 一份不在您待办中的考核表
tasks-batch-review = 批量复核
tasks-batch-approve = 批量审批
tasks-hr = 人事待办
tasks-hr-appeals = { $count } 份申诉待处理
tasks-hr-late = { $cycle }：{ $count } 项任务已逾期

## After an action on a sheet
done-saved = 已保存。
done-submitted = 已提交。
done-signed = 已签名确认。
done-appealed = 申诉已提交，人事部门处理后会在此显示结果。
done-review_pass = 已通过复核，已转审批。
done-review_return = 已退回评分人重新评分。
done-approve = 已审批通过，结果已发布给员工。
done-reject = 已退回复核。
done-uphold = 已维持原结果。
done-reopen = 已重新打开所选项目，评分人会重新评分。
done-next = 下一位：{ $who } →
done-none-left = 这一类待办已全部处理完。
done-inbox = 返回待办
imp-reason = 更正理由
imp-reason-example = 例如：市场部 12 月 5 日更正了销售额
imp-reason-help = 考核表已到复核、审批或已发布时，导入即为更正数据，须写明理由（记入审计日志，复核人和员工可见）。
done-corrected = 数据已更正，分数已重新计算；更正记录见下方。
correct-title = 更正数据（人事）
correct-help = 在任何阶段都可以更正已录入的数据，须写明理由。更正会记入审计日志，分数立即重新计算，复核人、审批人和员工都会在表上看到更正记录。
correct-reason = 更正理由
correct-reason-example = 例如：市场部核实后更正新增客户数
correct-submit = 更正并重新计算
correct-nothing = 没有改动任何数据。
corrections-title = 数据更正记录
corrections-line = { $at } { $actor } 更正：
corrections-reason = 理由：{ $reason }
hrr-grades = 本周期的等级（本考核表未规定等级）
hrr-grades-example = 例如：A ≥ 90（换行）B ≥ 80（换行）C ≥ 60（换行）D
hrr-grades-help = 每行一个等级，从高到低：名称和最低分，如「A ≥ 90」；最后一个等级不写分数，低于上一档的都归入它。保存后本周期全部重新计算等级。
hrr-grades-save = 保存等级并重新计算
hrr-grades-failed = 等级未保存：{ $reason }
hrr-quota-group-over = 「{ $group }」组：等级「{ $grade }」有 { $count } 人，占 { $share }%，超过上限 { $limit }%。
hrr-quota-group-under = 「{ $group }」组：等级「{ $grade }」有 { $count } 人，占 { $share }%，低于下限 { $limit }%。
ledger-none = 无考核
ledger-in-progress = 进行中（{ $state }），结果发布后显示分数

users-create-title = 为员工开通账号
users-create-intro = 填写一名员工的工号（可另取用户名，默认为工号小写），或选择一个部门（为该部门所有尚无账号的员工开通）。每个新账号得到一个一次性登录码，7 天内有效；本人首次登录时用它设置密码。
users-create-emp = 员工工号
users-create-username = 用户名（可不填）
users-create-dept = 或：整个部门
users-create-submit = 开通账号
users-create-which = 请填写一名员工的工号，或选择一个部门（二选一）
users-create-none = 该部门的员工都已有账号
users-state = 状态
users-state-active = 正常
users-state-disabled = 已停用
users-state-pending = 等待首次登录
users-reset = 重置登录码
users-reset-label = 为 { $user } 重置登录码（原密码立即失效）
users-disable = 停用
users-enable = 启用
codes-title = 一次性登录码
codes-reset = 已重置：原密码和所有会话已失效。
codes-note = 请把登录码交给本人，本页关闭后不再显示。登录码 { $days } 天内有效，只能使用一次。
codes-where = 本人在登录页点「首次登录」，或打开
codes-back = 返回用户与权限
code-title = 首次登录
code-intro = 请输入用户名、人事部门给您的一次性登录码，并设置您的密码。
code-code = 登录码
code-submit = 设置密码并登录
code-back = 返回登录
login-first-code = 首次登录（使用登录码）
imp-blank = 下载本周期的数据模板（.xlsx：已列出全部被考核人，各列为本表的数据项）

# Notifications (issue 17): the 通知 list, HR's channels and outbox, 催办.
nav-notes = 通知
nav-hr-notify = 通知渠道
notes-title = 通知
notes-empty = 暂无通知。
notes-read-all = 全部标为已读
notes-read = 标为已读
notes-new = 未读
notes-open = 打开
notes-unread = { $count } 条未读通知
hrc-remind = 催办：立即提醒所有逾期的人
hrc-reminders = 自动提醒
hrc-reminders-help = 每天自动提醒：任务截止前若干天提醒办理人；逾期后每天提醒办理人，逾期达到设定天数后同时告知其上级（直属上级，没有则为部门负责人）；考核结果视为默认前 24 小时提醒员工。同一任务同一天只提醒一次。
hrc-remind-days = 截止前几天提醒（如 3,1；0 表示截止当天；留空则不提前提醒）
hrc-escalate-days = 逾期几天后告知上级
hrc-reminders-save = 保存提醒设置
hrc-reminders-failed = 提醒设置未保存，请按提示修改。
hrc-escalate-not-number = `{ $value }` 不是整数：请填写逾期几天后告知上级，如 2
hrn-title = 通知渠道与投递
hrn-channels = 渠道
hrn-no-channels = 尚未配置渠道：通知只出现在各人的通知列表中。
hrn-col-name = 名称
hrn-col-kind = 类型
hrn-col-url = 地址
hrn-col-secret = 密钥
hrn-col-enabled = 启用
hrn-on = 启用
hrn-off = 停用
hrn-test = 发送测试消息
hrn-add = 添加渠道
hrn-from = 发件人（邮件）
hrn-user = SMTP 用户名（邮件）
hrn-help = 钉钉、飞书机器人填写 Webhook 地址和加签密钥；企业微信填写含 key 的地址；通用 Webhook 的密钥为 whsec_ 开头；邮件地址如 smtp://smtp.example.com:587（STARTTLS）或 smtps://…:465。密钥保存后只显示首尾几位，留空则保留原密钥。
hrn-save = 保存
hrn-kind-webhook = 通用 Webhook
hrn-kind-dingtalk = 钉钉机器人
hrn-kind-feishu = 飞书机器人
hrn-kind-wecom = 企业微信机器人
hrn-kind-email = 电子邮件
hrn-dead = 投递失败（死信）
hrn-pending = 待投递 { $count } 条
hrn-no-dead = 没有投递失败的消息。
hrn-col-at = 时间
hrn-col-recipient = 收件人
hrn-col-message = 消息
hrn-col-attempts = 尝试次数
hrn-col-error = 原因
hrn-retry = 重试
hrn-delivered = 最近投递
hrn-no-delivered = 尚无投递记录。
notify-test-queued = 测试消息已排队，将在几秒内发出。

## Results of one's own part of the organisation (reviewers, approvers, 支行 heads)
nav-results = 考核结果
results-home-title = 考核结果
results-home-help = 这里列出考核了您所负责单位人员的周期；结果只含您负责的单位及其下级单位。
results-home-empty = 目前没有考核了您所负责单位人员的周期。
results-scope = 范围：{ $units }（含下级单位）。其他单位的人员不在此列，导出的工作簿也只含这些人员。
results-none-here = 此筛选条件下没有人员。
results-403 = 只有复核人、审批人和人事管理员可以查看考核结果。

## 考核关系 (HR)
rel-title = 考核关系
rel-help = 每位被考核人的自评与评分由谁完成（✓ 表示已完成），以及按组织架构授权由谁复核、由谁审批。复核人和审批人是授权覆盖该单位或其上级单位的用户。未完成的评分可以改派给另一位员工（填工号），改派记入审计日志。
rel-unit = 单位
rel-reviewer = 复核
rel-approver = 审批
rel-download = 下载考核关系 (.xlsx)
rel-none = 此周期还没有被考核人。
rel-help-draft = 草稿：按本考核的考核关系规则和单独指定的评分人，启动时每位被考核人的评分人将是下表所列（小字说明来源）。可为某人单独指定评分人（填工号；留空提交则恢复按规则），或上传修改后的考核关系表。
rel-why-override = 单独指定
rel-why-rule = 规则 { $rule }
rel-why-supervisor = 直接上级
rel-why-department = 同名部门
rel-why-nobody = 无人（人力资源部代填）
rel-no-rule = 未设规则（直接上级，或与评分人同名的部门）
rel-review-rule = 按授权：在该单位或其上级单位上授予复核、审批的用户
rel-upload = 导入考核关系
rel-upload-button = 导入
rel-upload-help = 与下载的考核关系表格式相同（.xlsx 或 .csv）：评分人列填工号；改动未完成的评分会改派给新评分人，已完成的不能改。全部成功或全部不导入。
rel-upload-help-draft = 与下载的考核关系表格式相同（.xlsx 或 .csv）：评分人列填工号，与规则不同的记为单独指定，空格恢复按规则。
rel-imported = 已导入：{ $count } 项未完成的评分已改派。
rel-imported-draft = 已导入：{ $count } 处评分人已更改。
rel-set = 指定评分人
rel-set-ph = 留空：按规则
rel-set-button = 保存
rel-col-name = { $role }姓名
hrc-relations = 考核关系

# 通知设置（issue 17，迁移 0015）：/notifications/settings，HR 的开关。
nset-link = 通知设置：渠道、免打扰时段、联系方式
nset-title = 通知设置
nset-back = 返回通知
nset-saved = 已保存。
nset-channels = 接收渠道
nset-channels-help = 为每类消息选择除本列表（始终接收）之外的接收渠道：电子邮件，以及会 @ 您的群机器人。
nset-kind = 消息
nset-inapp = 站内
nset-off-by-hr = （HR 已停止通过渠道发送此类消息）
nset-quiet = 免打扰时段
nset-quiet-help = 此时段内产生的消息会等到时段结束再发送（仍会立即出现在通知列表中）。时间按 HR 设置的时区 { $tz } 计算；两项都留空表示不设。开始晚于结束表示跨午夜，如 22:00 至 08:00。
nset-quiet-start = 开始（时:分）
nset-quiet-end = 结束（时:分）
nset-save = 保存
nset-contact = 我的联系方式
nset-contact-help = 邮件发往此邮箱；机器人按手机号（钉钉、企业微信）或飞书用户 ID（飞书）@ 您。
contact-email = 电子邮箱
contact-mobile = 手机号
contact-feishu_id = 飞书用户 ID
nkind-task-assigned = 任务下达
nkind-result-published = 结果发布
nkind-auto-confirmed = 结果视为默认
nkind-appeal-filed = 收到申诉
nkind-appeal-decided = 申诉处理结果
nkind-cycle-closed = 周期结束
nkind-reminder = 催办
nkind-test = 测试消息
hrn-kinds = 发送的消息类型
hrn-kinds-help = 关闭的类型不通过任何渠道发送，但仍会出现在各人的通知列表中。
hrn-kinds-legend = 通过渠道发送以下类型
hrn-tz = 免打扰时段的时区
hrn-tz-help = UTC 偏移，如 +08:00（北京时间，默认）：所有人的免打扰时段都按此计算。
hrn-kinds-save = 保存
users-contact = 联系方式
users-contact-label = { $user } 的联系方式
huc-title = { $user } 的联系方式
huc-back = 返回用户与角色
rel-self = 自评
rel-rater = 评分人

deleg-title = 我的代理
deleg-help = 休假或出差时，可把自己的评分、复核和审批工作交给同事代理一段时间（含首尾两天）。代理人处理的每一项都记为「代理人 代 本人」，显示在考核表签字栏和审计日志中。不能代理自己的考核表。
deleg-new = 新建代理
deleg-principal = 委托人
deleg-principal-help = 用户名，留空为自己
deleg-delegate = 代理人（用户名）
deleg-from = 开始日期
deleg-to = 结束日期
deleg-reason = 事由
deleg-create = 设置代理
deleg-list = 我委托的和代理我的
deleg-all = 全部代理
deleg-empty = 暂无代理
deleg-days = 日期
deleg-status = 状态
deleg-revoke = 撤销
deleg-status-active = 生效中
deleg-status-upcoming = 未开始
deleg-status-ended = 已结束
deleg-status-revoked = 已撤销
tasks-on-behalf = 代 { $name }
hrc-col-reassign = 改派
hrc-reassign-to = 改派给（工号）
hrc-reassign = 改派
sheet-on-behalf = 你正在代 { $name } 处理这张考核表：你的评分和操作将记为「代 { $name }」。
rel-reason = 理由
nkind-due-soon = 即将到期提醒
nkind-overdue = 逾期提醒
nkind-escalated = 逾期上报（给上级）
nkind-confirm-due = 确认截止前提醒
nkind-data-submitted = 部门已提交数据
hrn-col-scope = 范围
hrn-scope-all = 所有人
hrn-department = 仅限部门（编码）
hrn-department-help = 例如某个支行的钉钉群机器人：填该支行的部门编码，只有该单位及其下级单位人员的消息发到这个渠道；留空则发给所有人。
