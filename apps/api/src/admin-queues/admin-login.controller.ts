import { Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser, CurrentUser, Public, Roles } from '@app/auth';
import { DomainError } from '@app/common';
import { AppConfig } from '@app/config';
import { AdminSessionService } from './admin-session.service';
import { LOGIN_CSP, LOGIN_HTML, LOGIN_JS } from './login-page';

/** The queue dashboard's login: a page for browsers and the token-for-cookie exchange. Not part of /api. */
@ApiExcludeController()
@Controller('admin')
export class AdminLoginController {
  constructor(
    private readonly sessions: AdminSessionService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('login')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', LOGIN_CSP)
  @Header('cache-control', 'no-store')
  page(): string {
    this.requireEnabled();
    return LOGIN_HTML;
  }

  @Public()
  @Get('login.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return LOGIN_JS;
  }

  /** An admin's bearer access token (checked by the global guards) → the HttpOnly session cookie. */
  @Roles('admin')
  @Post('login')
  @HttpCode(204)
  async login(
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    this.requireEnabled();
    const token = await this.sessions.issue(user);
    void reply.header('set-cookie', this.sessions.cookie(token, request.protocol === 'https'));
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', this.sessions.clearCookie(request.protocol === 'https'));
  }

  private requireEnabled(): void {
    if (!this.config.admin.queuesEnabled)
      throw new DomainError('NOT_FOUND', 'The queue dashboard is switched off (ADMIN_QUEUES_ENABLED=false)');
  }
}
