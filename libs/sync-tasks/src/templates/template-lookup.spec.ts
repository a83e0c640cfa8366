import { CacheService } from '@app/cache';
import { CacheType } from '@app/config';
import { automock } from '../../../../test/unit/test-service';
import { TemplateLookup } from './template-lookup';
import { Template, TemplateKey, TemplatesRepository } from './templates.repository';

describe(TemplateLookup.name, () => {
  const orders: TemplateKey = { platform: 'shopee', dataDomain: 'orders', subDomain: '', granularity: 'daily' };
  const products: TemplateKey = { ...orders, dataDomain: 'products' };

  function setup() {
    const templates = automock(TemplatesRepository);
    const cache = automock(CacheService);
    let invalidated: (types: CacheType[]) => void = () => undefined;
    cache.onInvalidated.mockImplementation((listener) => (invalidated = listener));
    let version = 0;
    templates.findPublished.mockImplementation((key) =>
      Promise.resolve(
        key.dataDomain === 'orders' ? ({ id: 1, headerRow: ++version } as unknown as Template) : undefined,
      ),
    );
    const sut = new TemplateLookup(templates, cache);
    return { sut, templates, invalidate: (...types: CacheType[]) => invalidated(types) };
  }

  it('looks each kind of file up once per task run, a missing template included', async () => {
    const { sut, templates } = setup();
    const find = sut.forRun();
    expect(await find(orders)).toMatchObject({ headerRow: 1 });
    expect(await find({ ...orders })).toMatchObject({ headerRow: 1 });
    expect(await find(products)).toBeUndefined();
    expect(await find(products)).toBeUndefined();
    expect(templates.findPublished).toHaveBeenCalledTimes(2);
  });

  it('starts every task run afresh, so a task submitted after a template write reads the new one', async () => {
    const { sut } = setup();
    expect(await sut.forRun()(orders)).toMatchObject({ headerRow: 1 });
    expect(await sut.forRun()(orders)).toMatchObject({ headerRow: 2 });
  });

  it('looks templates up again in a running task once any process invalidated them', async () => {
    const { sut, templates, invalidate } = setup();
    const find = sut.forRun();
    await find(orders);
    invalidate('account_stats', 'accounts');
    expect(await find(orders)).toMatchObject({ headerRow: 1 });
    invalidate('templates');
    expect(await find(orders)).toMatchObject({ headerRow: 2 });
    expect(await find(orders)).toMatchObject({ headerRow: 2 });
    expect(templates.findPublished).toHaveBeenCalledTimes(2);
  });

  it('does not keep a template read while an invalidation arrived', async () => {
    const { sut, templates, invalidate } = setup();
    const find = sut.forRun();
    templates.findPublished.mockImplementationOnce(() => {
      invalidate('templates'); // heard while the read runs: its result may predate the write
      return Promise.resolve({ id: 1, headerRow: 0 } as unknown as Template);
    });
    expect(await find(orders)).toMatchObject({ headerRow: 0 });
    expect(await find(orders)).toMatchObject({ headerRow: 1 });
  });
});
