import { DIGITS, scrambled, seq } from './sample-codes';
import type { Rng } from './sample-rng';
import { BUYER_NAMES, ITEM_KINDS, NAME_PREFIXES, NAME_SUFFIXES } from './sample-vocabulary';

export interface Variant {
  id: string;
  name: string;
  sku: string;
  priceCents: number;
}

export interface Product {
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

export function takeProducts(rng: Rng, count: number): Product[] {
  const out: Product[] = [];
  for (const product of products(rng)) {
    out.push(product);
    if (out.length >= count) break;
  }
  return out;
}

export function* productVariants(rng: Rng): Generator<{ product: Product; variant: Variant }> {
  for (const product of products(rng)) for (const variant of product.variants) yield { product, variant };
}

export interface OrderLine {
  product: Product;
  variant: Variant;
  quantity: number;
}

/** Lines of one order use distinct products, so (order, SKU) stays unique. */
export function orderLines(rng: Rng, catalog: Product[]): OrderLine[] {
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

export function buyerName(rng: Rng): string {
  return `${rng.pick(BUYER_NAMES)}${rng.pick(['', '_', '.'])}${rng.int(1, 9999)}`;
}
