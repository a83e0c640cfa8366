import { ApiProperty } from '@nestjs/swagger';

export class PerClassDto {
  @ApiProperty({ description: 'GET requests (reads, polling, the event stream connection)' }) read!: number;
  @ApiProperty({ description: 'writes not in another class' }) default!: number;
  @ApiProperty({ description: 'data-sync writes: submissions, cancel, retry, upload, scan' }) data_sync!: number;
  @ApiProperty({ description: 'login and refresh, counted per client address' }) auth!: number;
}

export class RateLimitInfoDto {
  @ApiProperty({ enum: ['admin', 'premium', 'normal', 'anonymous'], description: 'the role; same as /auth/me' })
  tier!: string;
  @ApiProperty({ description: 'false when RATE_LIMIT_ENABLED=false: nothing is counted or refused' })
  enabled!: boolean;
  @ApiProperty({ example: 60 }) window_seconds!: number;
  @ApiProperty({
    enum: ['redis', 'memory'],
    description: 'redis: counters shared by every API replica; memory: Redis is down, counted per process',
  })
  store!: string;
  @ApiProperty({ description: 'requests allowed per window, by endpoint class' }) limits!: PerClassDto;
  @ApiProperty({ description: 'requests left in the current window (this request included)' })
  remaining!: PerClassDto;
  @ApiProperty({ description: 'seconds until the current window resets; 0 when nothing is counted' })
  reset_seconds!: PerClassDto;
}
