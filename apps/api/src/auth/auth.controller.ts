import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthService, AuthUser, CurrentUser, Public } from '@app/auth';
import { AuthLimiter } from '../rate-limit/auth-limiter';
import { RateLimitClass } from '../rate-limit/rate-limit.decorators';
import { LoginDto, MeDto, RefreshDto, TokenPairDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly limiter: AuthLimiter,
  ) {}

  @Public()
  @Post('login')
  @RateLimitClass('auth')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  login(@Body() body: LoginDto, @Ip() ip: string): Promise<TokenPairDto> {
    return this.limiter.login(body.username, ip, () => this.auth.login(body.username, body.password));
  }

  @Public()
  @Post('refresh')
  @RateLimitClass('auth')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  refresh(@Body() body: RefreshDto): Promise<TokenPairDto> {
    return this.limiter.refresh(body.refresh_token, () => this.auth.refresh(body.refresh_token));
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthUser): MeDto {
    return {
      id: user.id,
      username: user.username,
      role: user.role,
      quota: { limit: this.auth.quotaLimit(user.role) },
      rate_limit_tier: user.role,
    };
  }
}
