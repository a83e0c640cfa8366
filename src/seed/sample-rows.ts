import type { TemplateColumn } from '@app/db';
import { cents, DIGITS, scrambled, seq, UPPER_ALNUM } from './sample-codes';
import type { SampleFileSpec } from './sample-file-spec';
import {
  formatDate,
  formatDateTime,
  laterTime,
  periodDays,
  periodWindow,
  randomTime,
  TimeWindow,
} from './sample-period';
import { buyerName, OrderLine, orderLines, productVariants, takeProducts } from './sample-products';
import { Rng } from './sample-rng';
import {
  BUYER_MESSAGES,
  COUNTRY_BY_REGION,
  ERP_SHOPS,
  SERVICE_KINDS,
  SHOPEE_ORDER_STATUSES,
  TIKTOK_ORDER_STATUSES,
} from './sample-vocabulary';

type RowRecord = Record<string, string>;
type RowFactory = (spec: SampleFileSpec, rng: Rng) => Iterable<RowRecord>;

/**
 * Deterministic rows in column order; seeded from the file name (or `rowSeed`) so every file differs but never
 * changes.
 */
export function* sampleRows(spec: SampleFileSpec): Generator<string[]> {
  if (spec.rows <= 0) return;
  const factory = ROW_FACTORIES[`${spec.template.platform}:${spec.template.dataDomain}`] ?? genericRows;
  let produced = 0;
  for (const record of factory(spec, new Rng(spec.rowSeed ?? spec.fileName))) {
    yield spec.template.columns.map((c) => record[c.name] ?? '');
    if (++produced >= spec.rows) return;
  }
}

// ---------------------------------------------------------------- per-template rows

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
