import { ValidationPipe } from '@nestjs/common';
import { AccountQueryDto } from '../accounts/dto/account.dto';
import { ComponentVersionQueryDto } from '../component-versions/dto/component-version.dto';
import { InputValidationPipe } from './validation.pipe';

type QueryDto = typeof AccountQueryDto | typeof ComponentVersionQueryDto;

/** A query as Fastify parses it: a null-prototype object of strings (arrays for repeated keys). */
const query = (fields: Record<string, string | string[]>): Record<string, unknown> =>
  Object.assign(Object.create(null) as Record<string, unknown>, fields);

const PAGE_VALUES = ['1', '2', '007', '100000', '100001', '0', '-1', '1e3', ' 5', '5 ', '', '0x10', '1.0', '99999999'];
const PAGE_SIZE_VALUES = ['1', '20', '200', '201', '0', '050', 'abc'];
const BOOLEAN_VALUES = ['true', 'false', '1', '0', 'TRUE', 'yes', '', ' true'];
const TEXT_VALUES = [
  '',
  'abc',
  'é ü',
  'x'.repeat(32),
  'x'.repeat(33),
  'x'.repeat(100),
  'x'.repeat(101),
  '😀'.repeat(50),
  '😀'.repeat(51),
];
const PLATFORM_VALUES = [
  'shopee',
  'tiktok-shop',
  'a_1',
  'a',
  'Shopee',
  'sh op',
  '1shop',
  `a${'b'.repeat(31)}`,
  `a${'b'.repeat(32)}`,
];

const CASES: { dto: QueryDto; fields: Record<string, string[]>; common: Record<string, string>[] }[] = [
  {
    dto: AccountQueryDto,
    fields: { platform: PLATFORM_VALUES, enabled: BOOLEAN_VALUES, q: TEXT_VALUES },
    common: [{}, { page: '2' }, { platform: 'shopee', enabled: 'true', q: 'shop 1', page: '3', page_size: '50' }],
  },
  {
    dto: ComponentVersionQueryDto,
    fields: { platform: TEXT_VALUES, component: TEXT_VALUES, active: BOOLEAN_VALUES },
    common: [{}, { platform: 'shopee', component: 'login', active: 'false', page_size: '100' }],
  },
];

describe('ParsesCommonQuery', () => {
  const pipe = new InputValidationPipe();
  /** The pipe's class-validator path alone (what every query went through before). */
  const validated = (dto: QueryDto, value: unknown) =>
    ValidationPipe.prototype.transform.call(pipe, value, { type: 'query', metatype: dto });

  describe.each(CASES)('$dto.name', ({ dto, fields, common }) => {
    const queries = [
      ...PAGE_VALUES.map((page) => query({ page })),
      ...PAGE_SIZE_VALUES.map((page_size) => query({ page_size })),
      ...Object.entries(fields).flatMap(([key, values]) => values.map((value) => query({ [key]: value }))),
      ...Object.entries(fields).map(([key, values]) => query({ page: '2', page_size: '5', [key]: values[0] })),
      query({ page: ['1', '2'] }),
      query({ unknown: '1' }),
      query({ __proto__: '1' }),
      query({ constructor: '1' }),
      query({ toPageQuery: '1' }),
    ];

    it('reads a query only as class-validator does, and never one class-validator rejects', async () => {
      for (const value of queries) {
        const fast = dto.parseCommonQuery(value);
        if (fast === undefined) continue;
        const full = (await validated(dto, value)) as object;
        expect(fast).toBeInstanceOf(dto);
        expect({ ...fast }).toEqual({ ...full });
      }
    });

    it('reads the common queries itself, and the pipe answers them the same', async () => {
      for (const fields of common) {
        const value = query(fields);
        const fast = dto.parseCommonQuery(value);
        expect(fast).toBeInstanceOf(dto);
        expect({ ...fast }).toEqual({ ...((await validated(dto, value)) as object) });
        expect(await pipe.transform(value, { type: 'query', metatype: dto })).toEqual(fast);
      }
    });

    it('leaves bad queries to class-validator, which rejects them with its own error', async () => {
      for (const value of [query({ page: '0' }), query({ unknown: '1' }), query({ page: ['1', '2'] })]) {
        expect(dto.parseCommonQuery(value)).toBeUndefined();
        await expect(pipe.transform(value, { type: 'query', metatype: dto })).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
        });
      }
    });
  });
});
