import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataDomain, Granularity, TemplateColumn } from '@app/db';
import * as ExcelJS from 'exceljs';
import * as iconv from 'iconv-lite';
import {
  AMAZON_INVENTORY,
  MIAOSHOU_SERVICES,
  SHOPEE_ORDERS,
  SHOPEE_PRODUCTS,
  SampleTemplate,
  TIKTOK_ANALYTICS,
  TIKTOK_ORDERS,
} from './sample-templates';
import { mulberry32 } from './seeded-random';

export type SampleEncoding = 'utf8-bom' | 'utf8' | 'gbk';

export interface SampleFileSpec {
  fileName: string;
  template: SampleTemplate;
  shopId: string;
  format: 'csv' | 'xlsx';
  rows: number;
  periodStart: string;
  periodEnd: string;
  /** CSV only; defaults to utf8. */
  encoding?: SampleEncoding;
}

export interface SampleFileMeta {
  platform: string;
  shopId: string;
  dataDomain: DataDomain;
  /** '' for the whole domain, written as 'all' in the file name. */
  subDomain: string;
  granularity: Granularity;
  periodStart: string;
  periodEnd: string;
}

export function sampleFileMeta(spec: SampleFileSpec): SampleFileMeta {
  const { platform, dataDomain, subDomain, granularity } = spec.template;
  return {
    platform,
    shopId: spec.shopId,
    dataDomain,
    subDomain,
    granularity,
    periodStart: spec.periodStart,
    periodEnd: spec.periodEnd,
  };
}

/** `{platform}__{shopId}__{dataDomain}__{subDomain|all}__{granularity}__{start}_{end}.{ext}` */
export function sampleFileName(meta: SampleFileMeta, format: SampleFileSpec['format']): string {
  const parts = [meta.platform, meta.shopId, meta.dataDomain, meta.subDomain || 'all', meta.granularity];
  return `${parts.join('__')}__${meta.periodStart}_${meta.periodEnd}.${format}`;
}

function sampleFile(
  template: SampleTemplate,
  shopId: string,
  format: SampleFileSpec['format'],
  rows: number,
  [periodStart, periodEnd]: [string, string],
  encoding?: SampleEncoding,
): SampleFileSpec {
  const spec: SampleFileSpec = { fileName: '', template, shopId, format, rows, periodStart, periodEnd, encoding };
  return { ...spec, fileName: sampleFileName(sampleFileMeta(spec), format) };
}

export const SAMPLE_FILES: SampleFileSpec[] = [
  sampleFile(SHOPEE_ORDERS, 'sg_1001', 'csv', 5000, ['2026-11-01', '2026-11-01'], 'utf8-bom'),
  sampleFile(SHOPEE_ORDERS, 'my_2001', 'xlsx', 3000, ['2026-11-02', '2026-11-02']),
  sampleFile(SHOPEE_PRODUCTS, 'sg_1001', 'xlsx', 2500, ['2026-11-01', '2026-11-01']),
  sampleFile(TIKTOK_ORDERS, 'tt_5001', 'csv', 4000, ['2026-11-03', '2026-11-03'], 'utf8'),
  sampleFile(TIKTOK_ORDERS, 'tt_5002', 'csv', 8000, ['2026-11-03', '2026-11-03'], 'utf8-bom'),
  sampleFile(TIKTOK_ANALYTICS, 'tt_5001', 'xlsx', 3500, ['2026-11-01', '2026-11-07']),
  sampleFile(AMAZON_INVENTORY, 'us_7001', 'csv', 2000, ['2026-11-01', '2026-11-01'], 'utf8'),
  sampleFile(MIAOSHOU_SERVICES, 'ms_9001', 'csv', 2500, ['2026-10-01', '2026-10-31'], 'gbk'),
];

// ---------------------------------------------------------------- writing

/** Writes only files that are missing, so re-running `seed` never touches files already catalogued. */
export async function writeSampleFiles(dir: string, specs: SampleFileSpec[] = SAMPLE_FILES): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const spec of specs) {
    const path = join(dir, spec.fileName);
    if (!(await fileExists(path))) await writeSampleFile(dir, spec);
    paths.push(path);
  }
  return paths;
}

/** Writes under a hidden temporary name first so a crash never leaves a truncated file that looks complete. */
export async function writeSampleFile(dir: string, spec: SampleFileSpec): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, spec.fileName);
  const partial = join(dir, `.${spec.fileName}.partial`);
  try {
    await (spec.format === 'xlsx' ? writeXlsx(partial, spec) : writeCsv(partial, spec));
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return path;
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Lines above the header, as exports with headerRow > 1 carry them. */
export function titleLines(spec: SampleFileSpec): string[] {
  const known = ['数据概览', `统计周期：${spec.periodStart} ~ ${spec.periodEnd}`];
  return Array.from({ length: Math.max(0, spec.template.headerRow - 1) }, (_, i) => known[i] ?? '');
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CSV_BATCH_ROWS = 500;

async function writeCsv(path: string, spec: SampleFileSpec): Promise<void> {
  await pipeline(Readable.from(csvChunks(spec)), createWriteStream(path));
}

function* csvChunks(spec: SampleFileSpec): Generator<Buffer> {
  const encoding = spec.encoding ?? 'utf8';
  if (encoding === 'utf8-bom') yield UTF8_BOM;
  let batch: string[] = [];
  for (const line of csvLines(spec)) {
    batch.push(line);
    if (batch.length < CSV_BATCH_ROWS) continue;
    yield encodeText(batch.join(''), encoding);
    batch = [];
  }
  if (batch.length) yield encodeText(batch.join(''), encoding);
}

function* csvLines(spec: SampleFileSpec): Generator<string> {
  for (const title of titleLines(spec)) yield csvLine([title]);
  yield csvLine(spec.template.columns.map((c) => c.name));
  for (const row of sampleRows(spec)) yield csvLine(row);
}

function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function encodeText(text: string, encoding: SampleEncoding): Buffer {
  return encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8');
}

async function writeXlsx(path: string, spec: SampleFileSpec): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  // Fixed document dates keep docProps/core.xml identical between runs.
  workbook.created = workbook.modified = new Date(`${spec.periodEnd}T00:00:00Z`);
  const sheet = workbook.addWorksheet(spec.template.dataDomain);
  for (const title of titleLines(spec)) sheet.addRow([title]).commit();
  sheet.addRow(spec.template.columns.map((c) => c.name)).commit();
  for (const row of sampleRows(spec)) sheet.addRow(xlsxCells(row, spec.template.columns)).commit();
  await workbook.commit();
}

function xlsxCells(row: string[], columns: TemplateColumn[]): (string | number | null)[] {
  return row.map((value, i) => {
    if (value === '') return null;
    const type = columns[i].type;
    return type === 'number' || type === 'integer' ? Number(value) : value;
  });
}

// ---------------------------------------------------------------- rows

type RowRecord = Record<string, string>;
type RowFactory = (spec: SampleFileSpec, rng: Rng) => Iterable<RowRecord>;

/** Deterministic rows in column order; seeded from the file name so every file differs but never changes. */
export function* sampleRows(spec: SampleFileSpec): Generator<string[]> {
  if (spec.rows <= 0) return;
  const factory = ROW_FACTORIES[`${spec.template.platform}:${spec.template.dataDomain}`] ?? genericRows;
  let produced = 0;
  for (const record of factory(spec, new Rng(spec.fileName))) {
    yield spec.template.columns.map((c) => record[c.name] ?? '');
    if (++produced >= spec.rows) return;
  }
}

/** mulberry32 seeded with an FNV-1a hash of a string. */
class Rng {
  readonly next: () => number;

  constructor(seed: string) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193);
    this.next = mulberry32(hash);
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1][0];
  }

  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  /** Distinct items, order kept random. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
    return out;
  }
}

const DIGITS = '0123456789';
const UPPER_ALNUM = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** Fixed-width sequence code; uniqueness of generated ids rests on it. */
function seq(index: number, width: number, radix = 10): string {
  return index.toString(radix).toUpperCase().padStart(width, '0');
}

/**
 * Fixed-width code that looks random yet stays unique: multiplying by a prime coprime to the radix
 * permutes 0..radix^width-1.
 */
function scrambled(index: number, width: number, radix = 10): string {
  const modulus = radix ** width;
  if (index >= modulus) throw new Error(`sample id space exhausted (${index} >= ${modulus})`);
  return seq((index * 1_000_003 + 7_777) % modulus, width, radix);
}

function cents(amount: number): string {
  return (amount / 100).toFixed(2);
}

// ---------------------------------------------------------------- time

const DAY_MS = 86_400_000;

interface TimeWindow {
  start: number;
  /** Exclusive: midnight after periodEnd. */
  end: number;
}

function periodWindow(spec: SampleFileSpec): TimeWindow {
  return {
    start: Date.parse(`${spec.periodStart}T00:00:00Z`),
    end: Date.parse(`${spec.periodEnd}T00:00:00Z`) + DAY_MS,
  };
}

function periodDays(spec: SampleFileSpec): string[] {
  const { start, end } = periodWindow(spec);
  const days: string[] = [];
  for (let t = start; t < end; t += DAY_MS) days.push(formatDate(t));
  return days;
}

function randomTime(rng: Rng, window: TimeWindow): number {
  return window.start + rng.int(0, (window.end - window.start) / 1000 - 1) * 1000;
}

/** A later moment that still falls inside the period. */
function laterTime(rng: Rng, from: number, window: TimeWindow, maxSeconds: number): number {
  return Math.min(from + rng.int(1, maxSeconds) * 1000, window.end - 1000);
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

// ---------------------------------------------------------------- catalog

interface ItemKind {
  name: string;
  code: string;
  /** Whole currency units. */
  price: [number, number];
  options: string[][];
}

const COLORS = ['黑色', '白色', '粉色', '天蓝色', '灰色', '米白色'];
const SIZES = ['S', 'M', 'L', 'XL'];

const ITEM_KINDS: ItemKind[] = [
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

const NAME_PREFIXES = ['', '', '2026新款 ', '【官方正品】', '爆款 ', 'ins风 ', '升级款 ', '【"双11"特惠】'];
const NAME_SUFFIXES = ['', '', ' 包邮', ' 送礼佳品', ', 现货速发', ' 大容量'];

interface Variant {
  id: string;
  name: string;
  sku: string;
  priceCents: number;
}

interface Product {
  id: string;
  name: string;
  variants: Variant[];
}

/** Endless distinct products; ids and SKUs embed the product index, which makes them unique. */
function* products(rng: Rng): Generator<Product> {
  for (let index = 0; ; index++) {
    const kind = rng.pick(ITEM_KINDS);
    const basePrice = rng.int(kind.price[0], kind.price[1]) * 100 + rng.pick([0, 50, 90, 99]);
    const options = combinations(kind.options);
    const chosen = rng.sample(options, rng.int(1, Math.min(6, options.length)));
    yield {
      id: `${rng.int(17, 29)}${rng.chars(DIGITS, 3)}${scrambled(index, 6)}`,
      name: `${rng.pick(NAME_PREFIXES)}${kind.name}${rng.pick(NAME_SUFFIXES)}`,
      variants: chosen.map((parts, v) => ({
        id: `${rng.int(100, 999)}${scrambled(index, 6)}${seq(v, 2)}`,
        name: parts.join(','),
        sku: `${kind.code}-${seq(index, 4)}-${seq(v + 1, 2)}`,
        priceCents: basePrice + v * rng.pick([0, 0, 100, 300, 500]),
      })),
    };
  }
}

function combinations(options: string[][]): string[][] {
  return options.reduce<string[][]>((acc, values) => acc.flatMap((prefix) => values.map((v) => [...prefix, v])), [[]]);
}

function takeProducts(rng: Rng, count: number): Product[] {
  const out: Product[] = [];
  for (const product of products(rng)) {
    out.push(product);
    if (out.length >= count) break;
  }
  return out;
}

function* productVariants(rng: Rng): Generator<{ product: Product; variant: Variant }> {
  for (const product of products(rng)) for (const variant of product.variants) yield { product, variant };
}

interface OrderLine {
  product: Product;
  variant: Variant;
  quantity: number;
}

/** Lines of one order use distinct products, so (order, SKU) stays unique. */
function orderLines(rng: Rng, catalog: Product[]): OrderLine[] {
  const count = rng.weighted([
    [1, 70],
    [2, 20],
    [3, 10],
  ] as const);
  return rng.sample(catalog, count).map((product) => ({
    product,
    variant: rng.pick(product.variants),
    quantity: rng.weighted([
      [1, 75],
      [2, 17],
      [3, 5],
      [5, 3],
    ] as const),
  }));
}

const BUYER_NAMES = [
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

function buyerName(rng: Rng): string {
  return `${rng.pick(BUYER_NAMES)}${rng.pick(['', '_', '.'])}${rng.int(1, 9999)}`;
}

// ---------------------------------------------------------------- per-template rows

const COUNTRY_BY_REGION: Record<string, string> = {
  sg: '新加坡',
  my: '马来西亚',
  ph: '菲律宾',
  th: '泰国',
  vn: '越南',
  id: '印度尼西亚',
};

const SHOPEE_ORDER_STATUSES = [
  ['已完成', 55],
  ['已发货', 18],
  ['待发货', 15],
  ['已取消', 8],
  ['退货/退款', 4],
] as const;

function* shopeeOrderRows(spec: SampleFileSpec, rng: Rng): Generator<RowRecord> {
  const catalog = takeProducts(rng, 300);
  const window = periodWindow(spec);
  const country = COUNTRY_BY_REGION[spec.shopId.slice(0, 2)] ?? '新加坡';
  for (let order = 0; ; order++) {
    const placedAt = randomTime(rng, window);
    const lines = orderLines(rng, catalog);
    const total = lines.reduce((sum, l) => sum + l.variant.priceCents * l.quantity, 0);
    const common = {
      订单编号: `${formatDate(placedAt).slice(2).replace(/-/g, '')}${rng.chars(UPPER_ALNUM, 3)}${scrambled(order, 5, 36)}`,
      订单状态: rng.weighted(SHOPEE_ORDER_STATUSES),
      买家用户名: buyerName(rng),
      订单总金额: cents(total),
      下单时间: formatDateTime(placedAt),
      付款时间: formatDateTime(laterTime(rng, placedAt, window, 1800)),
      收货地址国家: country,
    };
    for (const line of lines) {
      yield {
        ...common,
        商品名称: line.product.name,
        商品SKU: line.variant.sku,
        规格名称: line.variant.name,
        数量: String(line.quantity),
        商品单价: cents(line.variant.priceCents),
      };
    }
  }
}

function* shopeeProductRows(_spec: SampleFileSpec, rng: Rng): Generator<RowRecord> {
  for (const { product, variant } of productVariants(rng)) {
    const stock = rng.chance(0.1) ? 0 : rng.int(1, 999);
    yield {
      商品ID: product.id,
      商品名称: product.name,
      规格ID: variant.id,
      规格名称: variant.name,
      商品SKU: variant.sku,
      价格: cents(variant.priceCents),
      库存: String(stock),
      销量: String(rng.int(0, 5000)),
      状态:
        stock === 0
          ? '已售完'
          : rng.weighted([
              ['上架', 90],
              ['已下架', 7],
              ['审核中', 3],
            ] as const),
    };
  }
}

const TIKTOK_ORDER_STATUSES = [
  ['已完成', 45],
  ['已发货', 20],
  ['待发货', 20],
  ['已取消', 10],
  ['待付款', 5],
] as const;

const BUYER_MESSAGES = [
  '请尽快发货，谢谢！',
  '送人的，请不要放价格单',
  '颜色要"黑色"的,不要白色',
  '麻烦包装好一点\n易碎品',
  '可以开发票吗?',
];

function* tiktokOrderRows(spec: SampleFileSpec, rng: Rng): Generator<RowRecord> {
  const catalog = takeProducts(rng, 250);
  const window = periodWindow(spec);
  let lineCount = 0;
  for (let order = 0; ; order++) {
    const createdAt = randomTime(rng, window);
    const lines = orderLines(rng, catalog).map((line) => ({ ...line, discount: discountCents(rng, line) }));
    const amount = lines.reduce((sum, l) => sum + l.variant.priceCents * l.quantity - l.discount, 0);
    const common = {
      订单ID: `57${rng.chars(DIGITS, 10)}${scrambled(order, 6)}`,
      订单状态: rng.weighted(TIKTOK_ORDER_STATUSES),
      订单金额: cents(amount),
      创建时间: formatDateTime(createdAt),
      买家留言: rng.chance(0.08) ? rng.pick(BUYER_MESSAGES) : '',
    };
    for (const line of lines) {
      yield {
        ...common,
        子订单ID: `57${rng.chars(DIGITS, 10)}${scrambled(lineCount++, 6)}`,
        'SKU ID': `17${line.variant.id}`,
        商品名称: line.product.name,
        规格: line.variant.name,
        数量: String(line.quantity),
        单价: cents(line.variant.priceCents),
        优惠金额: cents(line.discount),
      };
    }
  }
}

function discountCents(rng: Rng, line: OrderLine): number {
  if (!rng.chance(0.3)) return 0;
  return Math.round((line.variant.priceCents * line.quantity * rng.int(5, 30)) / 100);
}

/** One row per product per day, so (日期, 商品ID) is unique. */
function* tiktokAnalyticsRows(spec: SampleFileSpec, rng: Rng): Generator<RowRecord> {
  const days = periodDays(spec);
  const catalog = takeProducts(rng, Math.ceil(spec.rows / days.length));
  for (const day of days) {
    for (const product of catalog) {
      const impressions = Math.round(200 * Math.exp(rng.next() * 5.5));
      const clicks = Math.round((impressions * rng.int(50, 800)) / 10_000);
      const carts = Math.round((clicks * rng.int(5, 25)) / 100);
      const orders = Math.round((carts * rng.int(20, 60)) / 100);
      yield {
        日期: day,
        商品ID: `17${product.id}`,
        商品名称: product.name,
        曝光量: String(impressions),
        点击量: String(clicks),
        '点击率(%)': impressions ? ((clicks / impressions) * 100).toFixed(2) : '0.00',
        加购数: String(carts),
        成交订单数: String(orders),
        成交金额: cents(orders * product.variants[0].priceCents),
      };
    }
  }
}

function* amazonInventoryRows(_spec: SampleFileSpec, rng: Rng): Generator<RowRecord> {
  let index = 0;
  for (const { product, variant } of productVariants(rng)) {
    yield {
      sku: variant.sku,
      fnsku: `X00${rng.chars(UPPER_ALNUM, 3)}${scrambled(index, 4, 36)}`,
      asin: `B0${rng.chars(UPPER_ALNUM, 4)}${scrambled(index, 4, 36)}`,
      商品名称: `${product.name} ${variant.name}`,
      状况: rng.chance(0.95) ? '新品' : '二手 - 良好',
      可售数量: String(rng.chance(0.12) ? 0 : rng.int(1, 800)),
      入库中数量: String(rng.chance(0.6) ? 0 : rng.int(10, 300)),
      不可售数量: String(rng.chance(0.8) ? 0 : rng.int(1, 20)),
      预留数量: String(rng.int(0, 50)),
    };
    index++;
  }
}

const SERVICE_KINDS = [
  ['代发货', 150, 400],
  ['采购', 200, 1500],
  ['打包', 80, 300],
  ['贴标', 20, 80],
  ['质检', 50, 200],
  ['仓储', 10, 60],
] as const;

const ERP_SHOPS = ['Shopee SG 旗舰店', 'Shopee MY 家居馆', 'TikTok Shop 美妆', 'TikTok Shop 数码', 'Amazon US Store'];

function* miaoshouServiceRows(spec: SampleFileSpec, rng: Rng): Generator<RowRecord> {
  const window = periodWindow(spec);
  const month = spec.periodStart.slice(0, 7).replace('-', '');
  for (let index = 0; ; index++) {
    const [kind, minFee, maxFee] = rng.pick(SERVICE_KINDS);
    const pieces = rng.int(1, 20);
    const createdAt = randomTime(rng, window);
    yield {
      服务单号: `FW${month}${seq(index, 6)}`,
      服务类型: kind,
      关联订单号: `${formatDate(createdAt).slice(2).replace(/-/g, '')}${rng.chars(UPPER_ALNUM, 8)}`,
      店铺名称: rng.pick(ERP_SHOPS),
      件数: String(pieces),
      服务费用: cents(pieces * rng.int(minFee, maxFee)),
      处理状态: rng.weighted([
        ['已完成', 80],
        ['处理中', 10],
        ['待处理', 6],
        ['已取消', 4],
      ] as const),
      创建时间: formatDateTime(createdAt),
    };
  }
}

/** For templates without a dedicated generator: text values carry the row index so text dedup keys stay unique. */
function* genericRows(spec: SampleFileSpec, rng: Rng): Generator<RowRecord> {
  const window = periodWindow(spec);
  for (let index = 0; ; index++) {
    const record: RowRecord = {};
    for (const column of spec.template.columns) record[column.name] = genericValue(column, index, rng, window);
    yield record;
  }
}

function genericValue(column: TemplateColumn, index: number, rng: Rng, window: TimeWindow): string {
  switch (column.type) {
    case 'integer':
      return String(rng.int(0, 1000));
    case 'number':
      return cents(rng.int(0, 100_000));
    case 'date':
      return formatDate(randomTime(rng, window));
    case 'datetime':
      return formatDateTime(randomTime(rng, window));
    case 'text':
      return `${column.name}-${seq(index + 1, 6)}`;
  }
}

const ROW_FACTORIES: Record<string, RowFactory> = {
  'shopee:orders': shopeeOrderRows,
  'shopee:products': shopeeProductRows,
  'tiktok:orders': tiktokOrderRows,
  'tiktok:analytics': tiktokAnalyticsRows,
  'amazon:inventory': amazonInventoryRows,
  'miaoshou:services': miaoshouServiceRows,
};
