import { Role } from '@app/db';

export interface DemoUser {
  username: string;
  password: string;
  role: Role;
}

/** Demo logins for local runs only; production refuses to create them. */
export const DEMO_USERS: DemoUser[] = [
  { username: 'admin', password: 'admin12345', role: 'admin' },
  { username: 'premium', password: 'premium12345', role: 'premium' },
  { username: 'demo', password: 'demo12345', role: 'normal' },
];

export const DEMO_ACCOUNTS = [
  { platform: 'shopee', shopId: 'sg_1001', name: 'Shopee SG 旗舰店', region: 'SG', loginName: 'sg_flagship' },
  { platform: 'shopee', shopId: 'my_2001', name: 'Shopee MY 家居馆', region: 'MY', loginName: 'my_home' },
  {
    platform: 'shopee',
    shopId: 'ph_3001',
    name: 'Shopee PH Outlet',
    region: 'PH',
    loginName: 'ph_outlet',
    enabled: false,
  },
  { platform: 'tiktok', shopId: 'tt_5001', name: 'TikTok Shop 美妆', region: 'SG', loginName: 'tt_beauty' },
  { platform: 'tiktok', shopId: 'tt_5002', name: 'TikTok Shop 数码', region: 'MY', loginName: 'tt_digital' },
  { platform: 'amazon', shopId: 'us_7001', name: 'Amazon US Store', region: 'US', loginName: 'amz_us' },
  { platform: 'miaoshou', shopId: 'ms_9001', name: '妙手 ERP 主账号', region: 'CN', loginName: 'ms_main' },
];

export const DEMO_COMPONENT_VERSIONS = [
  {
    platform: 'shopee',
    component: 'orders_export',
    version: '1.3.0',
    isStable: true,
    usageCount: 420,
    successCount: 411,
  },
  {
    platform: 'shopee',
    component: 'orders_export',
    version: '1.4.0-beta',
    isStable: false,
    usageCount: 35,
    successCount: 30,
  },
  {
    platform: 'shopee',
    component: 'products_export',
    version: '2.0.1',
    isStable: true,
    usageCount: 210,
    successCount: 209,
  },
  {
    platform: 'tiktok',
    component: 'orders_export',
    version: '0.9.4',
    isStable: true,
    usageCount: 150,
    successCount: 139,
  },
  {
    platform: 'tiktok',
    component: 'analytics_export',
    version: '1.1.0',
    isStable: true,
    usageCount: 98,
    successCount: 97,
  },
  {
    platform: 'amazon',
    component: 'inventory_report',
    version: '3.2.0',
    isStable: true,
    usageCount: 60,
    successCount: 60,
  },
  {
    platform: 'miaoshou',
    component: 'services_export',
    version: '0.5.0',
    isStable: false,
    isActive: false,
    usageCount: 5,
    successCount: 2,
  },
];
