import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AuthController } from './auth.controller';

@Module({ imports: [AuthModule, RateLimitModule], controllers: [AuthController] })
export class AuthApiModule {}
