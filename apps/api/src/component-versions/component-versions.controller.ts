import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/auth';
import { JsonBytes } from '@app/cache';
import { IdPipe } from '../common/id.pipe';
import { SendsJsonBytes } from '../common/json-bytes';
import { ComponentVersionsService } from './component-versions.service';
import {
  ComponentVersionDto,
  ComponentVersionPageDto,
  ComponentVersionQueryDto,
  CreateComponentVersionDto,
  UpdateComponentVersionDto,
} from './dto/component-version.dto';

@ApiTags('component versions')
@ApiBearerAuth()
@Controller('component-versions')
export class ComponentVersionsController {
  constructor(private readonly versions: ComponentVersionsService) {}

  @Get()
  @SendsJsonBytes()
  @ApiOkResponse({ type: ComponentVersionPageDto })
  list(@Query() query: ComponentVersionQueryDto): Promise<JsonBytes<ComponentVersionPageDto>> {
    const { platform, component, active } = query;
    return this.versions.list({ platform, component, active }, query.toPageQuery());
  }

  @Get(':id')
  @ApiOkResponse({ type: ComponentVersionDto })
  get(@Param('id', IdPipe) id: number): Promise<ComponentVersionDto> {
    return this.versions.get(id);
  }

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: ComponentVersionDto })
  create(@Body() body: CreateComponentVersionDto): Promise<ComponentVersionDto> {
    return this.versions.create(body);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: ComponentVersionDto })
  update(@Param('id', IdPipe) id: number, @Body() body: UpdateComponentVersionDto): Promise<ComponentVersionDto> {
    return this.versions.update(id, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param('id', IdPipe) id: number): Promise<void> {
    return this.versions.remove(id);
  }
}
