import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/auth';
import { IdPipe } from '../common/id.pipe';
import { AccountsService } from './accounts.service';
import { AccountDto, AccountQueryDto, AccountStatsDto, CreateAccountDto, UpdateAccountDto } from './dto/account.dto';

@ApiTags('collection accounts')
@ApiBearerAuth()
@Controller('collection/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  list(@Query() query: AccountQueryDto) {
    return this.accounts.list({ platform: query.platform, enabled: query.enabled, q: query.q }, query.toPageQuery());
  }

  @Get(':id')
  @ApiOkResponse({ type: AccountDto })
  get(@Param('id', IdPipe) id: number) {
    return this.accounts.get(id);
  }

  @Post()
  @Roles('admin')
  create(@Body() body: CreateAccountDto) {
    return this.accounts.create(body);
  }

  @Patch(':id')
  @Roles('admin')
  update(@Param('id', IdPipe) id: number, @Body() body: UpdateAccountDto) {
    return this.accounts.update(id, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  remove(@Param('id', IdPipe) id: number) {
    return this.accounts.remove(id);
  }
}

@ApiTags('collection accounts')
@ApiBearerAuth()
@Controller('accounts/stats')
export class AccountStatsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOkResponse({ type: AccountStatsDto })
  stats() {
    return this.accounts.stats();
  }

  @Get('summary')
  @ApiOkResponse({ type: AccountStatsDto })
  summary() {
    return this.accounts.stats();
  }
}
