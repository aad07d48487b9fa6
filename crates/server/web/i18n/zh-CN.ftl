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
