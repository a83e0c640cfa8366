// The words sample rows are made of: product kinds and names, buyers, statuses with their weights,
// buyer messages (some with quotes, commas and line breaks on purpose), services and shops.

export interface ItemKind {
  name: string;
  code: string;
  /** Whole currency units. */
  price: [number, number];
  options: string[][];
}

const COLORS = ['黑色', '白色', '粉色', '天蓝色', '灰色', '米白色'];
const SIZES = ['S', 'M', 'L', 'XL'];

export const ITEM_KINDS: ItemKind[] = [
  { name: '无线蓝牙耳机', code: 'EB', price: [39, 199], options: [COLORS.slice(0, 3), ['标准版', '降噪版']] },
  { name: '磁吸无线充电宝 10000mAh', code: 'PB', price: [59, 169], options: [COLORS.slice(0, 4)] },
  { name: '硅胶防摔手机壳', code: 'PC', price: [9, 39], options: [['iPhone 15', 'iPhone 16 Pro', '三星 S24'], COLORS] },
  { name: '便携式榨汁杯', code: 'JC', price: [49, 129], options: [['粉色', '薄荷绿', '白色']] },
  {
    name: '北欧风陶瓷马克杯',
    code: 'MG',
    price: [15, 49],
    options: [
      ['350ml', '450ml'],
      ['奶油白', '雾霾蓝', '燕麦色'],
    ],
  },
  {
    name: '儿童保温水杯',
    code: 'KB',
    price: [29, 89],
    options: [
      ['小熊', '恐龙', '独角兽'],
      ['400ml', '600ml'],
    ],
  },
  { name: '男士速干运动短袖T恤', code: 'TS', price: [19, 69], options: [COLORS.slice(0, 5), SIZES] },
  {
    name: '女士高腰阔腿牛仔裤',
    code: 'JN',
    price: [49, 159],
    options: [
      ['浅蓝', '深蓝', '黑色'],
      ['26', '27', '28', '29', '30'],
    ],
  },
  { name: '补水保湿面膜 10片装', code: 'FM', price: [19, 99], options: [['玻尿酸', '烟酰胺', '积雪草']] },
  { name: '丝绒哑光口红', code: 'LP', price: [29, 139], options: [['#01 正红', '#02 豆沙', '#05 枫叶', '#08 奶茶']] },
  { name: '清爽防晒喷雾 SPF50+', code: 'SS', price: [29, 89], options: [['150ml', '200ml']] },
  { name: '不锈钢保温饭盒', code: 'LB', price: [39, 119], options: [['单层', '双层', '三层'], COLORS.slice(0, 3)] },
  {
    name: '桌面多格收纳盒',
    code: 'OB',
    price: [12, 59],
    options: [
      ['小号', '中号', '大号'],
      ['白色', '透明'],
    ],
  },
  {
    name: 'LED护眼台灯',
    code: 'DL',
    price: [59, 229],
    options: [
      ['充电款', '插电款'],
      ['白色', '黑色'],
    ],
  },
  {
    name: '宠物自动喂食器',
    code: 'PF',
    price: [129, 399],
    options: [
      ['3L', '6L'],
      ['WiFi版', '基础版'],
    ],
  },
  {
    name: '加厚防滑瑜伽垫',
    code: 'YM',
    price: [39, 129],
    options: [
      ['6mm', '10mm'],
      ['紫色', '灰色', '墨绿'],
    ],
  },
  { name: '泰国天然乳胶枕', code: 'LT', price: [89, 299], options: [['波浪款', '面包款']] },
  { name: '声波电动牙刷', code: 'TB', price: [69, 259], options: [COLORS.slice(0, 3)] },
  { name: '桌面迷你加湿器', code: 'HD', price: [29, 99], options: [['300ml', '500ml'], COLORS.slice(0, 3)] },
  {
    name: '纯棉加厚浴巾',
    code: 'TW',
    price: [25, 79],
    options: [
      ['70x140cm', '80x160cm'],
      ['白色', '灰色', '浅粉'],
    ],
  },
];

export const NAME_PREFIXES = ['', '', '2026新款 ', '【官方正品】', '爆款 ', 'ins风 ', '升级款 ', '【"双11"特惠】'];
export const NAME_SUFFIXES = ['', '', ' 包邮', ' 送礼佳品', ', 现货速发', ' 大容量'];

export const BUYER_NAMES = [
  'lucy',
  'ahmad',
  'mei_ling',
  'jason',
  'nurul',
  'kevin',
  'siti',
  'weiming',
  'anna',
  'raj',
  'chloe',
  'hafiz',
];

export const COUNTRY_BY_REGION: Record<string, string> = {
  sg: '新加坡',
  my: '马来西亚',
  ph: '菲律宾',
  th: '泰国',
  vn: '越南',
  id: '印度尼西亚',
};

export const SHOPEE_ORDER_STATUSES = [
  ['已完成', 55],
  ['已发货', 18],
  ['待发货', 15],
  ['已取消', 8],
  ['退货/退款', 4],
] as const;

export const TIKTOK_ORDER_STATUSES = [
  ['已完成', 45],
  ['已发货', 20],
  ['待发货', 20],
  ['已取消', 10],
  ['待付款', 5],
] as const;

export const BUYER_MESSAGES = [
  '请尽快发货，谢谢！',
  '送人的，请不要放价格单',
  '颜色要"黑色"的,不要白色',
  '麻烦包装好一点\n易碎品',
  '可以开发票吗?',
];

export const SERVICE_KINDS = [
  ['代发货', 150, 400],
  ['采购', 200, 1500],
  ['打包', 80, 300],
  ['贴标', 20, 80],
  ['质检', 50, 200],
  ['仓储', 10, 60],
] as const;

export const ERP_SHOPS = [
  'Shopee SG 旗舰店',
  'Shopee MY 家居馆',
  'TikTok Shop 美妆',
  'TikTok Shop 数码',
  'Amazon US Store',
];
