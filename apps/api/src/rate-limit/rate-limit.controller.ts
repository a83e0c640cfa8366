import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '@app/auth';
import { RateLimitInfoDto } from './dto/rate-limit.dto';
import { RateLimitService } from './rate-limit.service';

@ApiTags('rate limits')
@ApiBearerAuth()
@Controller('rate-limit')
export class RateLimitController {
  constructor(private readonly rateLimits: RateLimitService) {}

  @Get('my-info')
  @ApiOkResponse({ type: RateLimitInfoDto })
  myInfo(@CurrentUser() user: AuthUser): Promise<RateLimitInfoDto> {
    return this.rateLimits.info(user);
  }
}
