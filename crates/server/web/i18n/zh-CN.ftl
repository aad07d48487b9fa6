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
sig-review = 复核
sig-approval = 审批
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
action-failed = 未能完成：{ $reason }
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
grid-paste-help = 可以从 Excel 复制一块单元格（多行多列），在表格中点一个格子后粘贴：数据从该格起向右、向下填入。粘贴后请检查，再点「保存」。
grid-pasted = 已粘贴 { $filled } 个格子，尚未保存。
grid-pasted-partial = 已粘贴 { $filled } 个格子，另有 { $skipped } 个超出表格范围而未粘贴；尚未保存。
appeal-item-reason = 本项理由（可选）
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
hr-org-text = 部门、员工名单与导入（CSV，全部成功才导入）。
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
org-inactive = 已停用
org-no-departments = 还没有部门。请先导入组织架构。
org-no-employees = 还没有员工。
org-no-match = 没有工号或姓名包含「{ $query }」的员工。
org-search = 按工号或姓名查找
org-search-submit = 查找
org-search-clear = 显示全部
org-import-title = 导入组织架构
org-import-help = 上传 CSV 文件（UTF-8 或 Excel 另存的 GBK 均可）或直接粘贴。表头与命令行 kaohe org import 相同：工号、姓名、部门编码、部门名称、部门类型（业务/职能）、岗位、直接上级工号。已有工号的员工将被更新。任何一行有错，全部不导入。
org-import-file = CSV 文件
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
