import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AuthModule } from '@app/auth';
import { AppConfig } from '@app/config';
import { SyncTasksModule } from '@app/sync-tasks';
import { AdminLoginController } from './admin-login.controller';
import { AdminSessionService } from './admin-session.service';
import { QueueBoard } from './queue-board';

/** The queue dashboard (bull-board) at /admin/queues with its cookie login (ADMIN_QUEUES_ENABLED=false: 404). */
@Module({
  imports: [
    AuthModule,
    SyncTasksModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: config.auth.jwtSecret,
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AdminLoginController],
  providers: [AdminSessionService, QueueBoard],
})
export class AdminQueuesModule {}
