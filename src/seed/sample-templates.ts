import type { DataDomain, Granularity, TemplateColumn } from '@app/db';

/** Import template for one kind of platform export, with the headers the real export carries. */
export interface SampleTemplate {
  platform: string;
  dataDomain: DataDomain;
  /** '' covers the whole domain ('all' in file names). */
  subDomain: string;
  granularity: Granularity;
  /** 1-based row number of the header line. */
  headerRow: number;
  columns: TemplateColumn[];
  dedupFields: string[];
  dateField: string | null;
}

const text = (name: string): TemplateColumn => ({ name, type: 'text' });
const integer = (name: string): TemplateColumn => ({ name, type: 'integer' });
const decimal = (name: string): TemplateColumn => ({ name, type: 'number' });
const date = (name: string): TemplateColumn => ({ name, type: 'date' });
const datetime = (name: string): TemplateColumn => ({ name, type: 'datetime' });

export const SHOPEE_ORDERS: SampleTemplate = {
  platform: 'shopee',
  dataDomain: 'orders',
  subDomain: '',
  granularity: 'daily',
  headerRow: 1,
  columns: [
    text('订单编号'),
    text('订单状态'),
    text('买家用户名'),
    text('商品名称'),
    text('商品SKU'),
    text('规格名称'),
    integer('数量'),
    decimal('商品单价'),
    decimal('订单总金额'),
    datetime('下单时间'),
    datetime('付款时间'),
    text('收货地址国家'),
  ],
  dedupFields: ['订单编号', '商品SKU'],
  dateField: '下单时间',
};

export const SHOPEE_PRODUCTS: SampleTemplate = {
  platform: 'shopee',
  dataDomain: 'products',
  subDomain: '',
  granularity: 'snapshot',
  headerRow: 1,
  columns: [
    text('商品ID'),
    text('商品名称'),
    text('规格ID'),
    text('规格名称'),
    text('商品SKU'),
    decimal('价格'),
    integer('库存'),
    integer('销量'),
    text('状态'),
  ],
  dedupFields: ['商品ID', '规格ID'],
  dateField: null,
};

export const TIKTOK_ORDERS: SampleTemplate = {
  platform: 'tiktok',
  dataDomain: 'orders',
  subDomain: '',
  granularity: 'daily',
  headerRow: 1,
  columns: [
    text('订单ID'),
    text('子订单ID'),
    text('订单状态'),
    text('SKU ID'),
    text('商品名称'),
    text('规格'),
    integer('数量'),
    decimal('单价'),
    decimal('优惠金额'),
    decimal('订单金额'),
    datetime('创建时间'),
    text('买家留言'),
  ],
  dedupFields: ['订单ID', '子订单ID'],
  dateField: '创建时间',
};

/** TikTok analytics exports put a title and a period line above the header. */
export const TIKTOK_ANALYTICS: SampleTemplate = {
  platform: 'tiktok',
  dataDomain: 'analytics',
  subDomain: '',
  granularity: 'daily',
  headerRow: 3,
  columns: [
    date('日期'),
    text('商品ID'),
    text('商品名称'),
    integer('曝光量'),
    integer('点击量'),
    decimal('点击率(%)'),
    integer('加购数'),
    integer('成交订单数'),
    decimal('成交金额'),
  ],
  dedupFields: ['日期', '商品ID'],
  dateField: '日期',
};

export const AMAZON_INVENTORY: SampleTemplate = {
  platform: 'amazon',
  dataDomain: 'inventory',
  subDomain: '',
  granularity: 'snapshot',
  headerRow: 1,
  columns: [
    text('sku'),
    text('fnsku'),
    text('asin'),
    text('商品名称'),
    text('状况'),
    integer('可售数量'),
    integer('入库中数量'),
    integer('不可售数量'),
    integer('预留数量'),
  ],
  dedupFields: ['sku'],
  dateField: null,
};

export const MIAOSHOU_SERVICES: SampleTemplate = {
  platform: 'miaoshou',
  dataDomain: 'services',
  subDomain: '',
  granularity: 'monthly',
  headerRow: 1,
  columns: [
    text('服务单号'),
    text('服务类型'),
    text('关联订单号'),
    text('店铺名称'),
    integer('件数'),
    decimal('服务费用'),
    text('处理状态'),
    datetime('创建时间'),
  ],
  dedupFields: ['服务单号'],
  dateField: '创建时间',
};

export const SAMPLE_TEMPLATES: SampleTemplate[] = [
  SHOPEE_ORDERS,
  SHOPEE_PRODUCTS,
  TIKTOK_ORDERS,
  TIKTOK_ANALYTICS,
  AMAZON_INVENTORY,
  MIAOSHOU_SERVICES,
];
