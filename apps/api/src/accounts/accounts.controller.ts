import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/auth';
import { JsonBytes } from '@app/cache';
import { IdPipe } from '../common/id.pipe';
import { SendsJsonBytes } from '../common/json-bytes';
import { AccountsService } from './accounts.service';
import {
  AccountDto,
  AccountPageDto,
  AccountQueryDto,
  AccountStatsDto,
  CreateAccountDto,
  UpdateAccountDto,
} from './dto/account.dto';

@ApiTags('collection accounts')
@ApiBearerAuth()
@Controller('collection/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @SendsJsonBytes()
  @ApiOkResponse({ type: AccountPageDto })
  list(@Query() query: AccountQueryDto): Promise<JsonBytes<AccountPageDto>> {
    return this.accounts.list({ platform: query.platform, enabled: query.enabled, q: query.q }, query.toPageQuery());
  }

  @Get(':id')
  @ApiOkResponse({ type: AccountDto })
  get(@Param('id', IdPipe) id: number): Promise<AccountDto> {
    return this.accounts.get(id);
  }

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: AccountDto })
  create(@Body() body: CreateAccountDto): Promise<AccountDto> {
    return this.accounts.create(body);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: AccountDto })
  update(@Param('id', IdPipe) id: number, @Body() body: UpdateAccountDto): Promise<AccountDto> {
    return this.accounts.update(id, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param('id', IdPipe) id: number): Promise<void> {
    return this.accounts.remove(id);
  }
}

@ApiTags('collection accounts')
@ApiBearerAuth()
@Controller('accounts/stats')
export class AccountStatsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get(['', 'summary'])
  @SendsJsonBytes()
  @ApiOkResponse({ type: AccountStatsDto })
  stats(): Promise<JsonBytes<AccountStatsDto>> {
    return this.accounts.stats();
  }
}
