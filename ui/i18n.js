// Every UI string, per language, in one place. zh-CN is the default.
// Error messages are not here: they come from Rust in both languages.

const STRINGS = {
  'zh-CN': {
    'app.title': '亲情医保',
    'lang.switch': 'English',
    'nav.register': '参保人登记',
    'status.db': '数据库',
    'status.schema': '结构版本',
    'status.today': '今天（北京时间）',

    'register.title': '参保人登记',
    'register.search': '按姓名查找',
    'register.add': '添加参保人',
    'register.empty': '还没有登记任何参保人。点“添加参保人”开始。',
    'register.none_found': '没有找到姓名包含“{q}”的参保人。',
    'register.count': '共 {n} 人',

    'col.name': '姓名',
    'col.id': '身份证号',
    'col.gender': '性别',
    'col.age': '年龄',
    'col.insurance': '险种',
    'col.region': '参保地',
    'col.status': '状态',
    'col.balance': '个人账户余额',
    'col.voucher': '电子凭证',

    'gender.male': '男',
    'gender.female': '女',
    'insurance.employee': '职工医保',
    'insurance.resident': '城乡居民医保',
    'status.active': '正常',
    'status.suspended': '暂停',
    'status.lapsed': '中断',
    'voucher.yes': '已激活',
    'voucher.no': '未激活',
    'age.years': '{n}岁',

    'form.add_title': '添加参保人',
    'form.edit_title': '编辑：{name}',
    'form.name': '姓名',
    'form.name_hint': '与身份证一致，1–30个字，任何文字均可',
    'form.id': '公民身份号码',
    'form.id_hint': '18位；出生日期、性别和年龄由号码自动得出',
    'form.id_locked': '身份证号是参保人的身份标识，登记后不能修改。',
    'form.insurance': '险种',
    'form.region': '参保地代码',
    'form.region_hint': '行政区划代码，至少到省，如 310115（上海浦东）',
    'form.status': '参保状态',
    'form.balance': '个人账户余额（元）',
    'form.balance_hint': '如 1234.50；没有个人账户填 0',
    'form.voucher': '医保电子凭证已激活',
    'form.save': '保存',
    'form.cancel': '取消',
    'form.saved': '已保存。',
    'form.error_summary': '有 {n} 处需要修改，见下方提示。',

    'detail.title': '参保人详情',
    'detail.birth': '出生日期',
    'detail.gender_age': '性别 / 年龄',
    'detail.created': '登记时间',
    'detail.updated': '最近修改',
    'detail.edit': '编辑',
    'detail.activate': '激活电子凭证',
    'detail.show_id': '显示完整号码',
    'detail.hide_id': '隐藏号码',
    'detail.history': '变更记录',
    'detail.no_history': '暂无记录',
    'detail.close': '关闭',

    'audit.person.add': '登记',
    'audit.person.edit': '编辑资料',
    'audit.person.set_status': '修改参保状态',
    'audit.person.set_balance': '修改余额',
    'audit.person.activate_voucher': '激活电子凭证',
  },
  en: {
    'app.title': 'Qinqing Family Insurance',
    'lang.switch': '中文',
    'nav.register': 'Insured persons',
    'status.db': 'Database',
    'status.schema': 'schema',
    'status.today': 'today (China time)',

    'register.title': 'Insured persons',
    'register.search': 'Find by name',
    'register.add': 'Add a person',
    'register.empty': 'Nobody is registered yet. Click “Add a person” to start.',
    'register.none_found': 'No one whose name contains “{q}”.',
    'register.count': '{n} people',

    'col.name': 'Name',
    'col.id': 'Resident ID',
    'col.gender': 'Gender',
    'col.age': 'Age',
    'col.insurance': 'Insurance',
    'col.region': 'Region',
    'col.status': 'Status',
    'col.balance': 'Personal account',
    'col.voucher': 'E-voucher',

    'gender.male': 'Male',
    'gender.female': 'Female',
    'insurance.employee': 'Employee',
    'insurance.resident': 'Resident',
    'status.active': 'Active',
    'status.suspended': 'Suspended',
    'status.lapsed': 'Lapsed',
    'voucher.yes': 'Activated',
    'voucher.no': 'Not activated',
    'age.years': '{n}',

    'form.add_title': 'Add an insured person',
    'form.edit_title': 'Edit: {name}',
    'form.name': 'Name',
    'form.name_hint': 'As on the ID card, 1–30 characters, any script',
    'form.id': 'Resident ID number',
    'form.id_hint': '18 characters; birth date, gender and age are read from it',
    'form.id_locked': 'The resident ID identifies the person and cannot be changed after registration.',
    'form.insurance': 'Insurance type',
    'form.region': 'Insured region code',
    'form.region_hint': 'Division code, at least the province, e.g. 310115 (Pudong, Shanghai)',
    'form.status': 'Status',
    'form.balance': 'Personal account balance (yuan)',
    'form.balance_hint': 'e.g. 1234.50; 0 if there is no personal account',
    'form.voucher': 'E-voucher (医保电子凭证) activated',
    'form.save': 'Save',
    'form.cancel': 'Cancel',
    'form.saved': 'Saved.',
    'form.error_summary': '{n} field(s) need attention, see below.',

    'detail.title': 'Person',
    'detail.birth': 'Born',
    'detail.gender_age': 'Gender / age',
    'detail.created': 'Registered',
    'detail.updated': 'Last changed',
    'detail.edit': 'Edit',
    'detail.activate': 'Activate e-voucher',
    'detail.show_id': 'Show full number',
    'detail.hide_id': 'Hide number',
    'detail.history': 'History',
    'detail.no_history': 'Nothing yet',
    'detail.close': 'Close',

    'audit.person.add': 'Registered',
    'audit.person.edit': 'Details edited',
    'audit.person.set_status': 'Status changed',
    'audit.person.set_balance': 'Balance changed',
    'audit.person.activate_voucher': 'E-voucher activated',
  },
};

const KEY = 'qinqing.lang';
let current = (() => {
  try {
    const saved = window.localStorage.getItem(KEY);
    return saved && STRINGS[saved] ? saved : 'zh-CN';
  } catch (_) {
    return 'zh-CN';
  }
})();

const listeners = new Set();

export function lang() {
  return current;
}

export function setLang(l) {
  if (!STRINGS[l] || l === current) return;
  current = l;
  try { window.localStorage.setItem(KEY, l); } catch (_) { /* private mode: not persisted */ }
  document.documentElement.lang = l;
  for (const fn of listeners) fn(l);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

/** t('register.count', {n: 3}) */
export function t(key, params = {}) {
  const s = STRINGS[current][key] ?? STRINGS['zh-CN'][key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (params[k] !== undefined ? String(params[k]) : `{${k}}`));
}

/** The message of a domain error in the current language. */
export function errText(err) {
  if (!err) return '';
  return current === 'en' ? (err.message_en || err.message_zh) : (err.message_zh || err.message_en);
}
