import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/auth';
import { IdPipe } from '../common/id.pipe';
import { ComponentVersionsService } from './component-versions.service';
import {
  ComponentVersionDto,
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
  list(@Query() query: ComponentVersionQueryDto) {
    const { platform, component, active } = query;
    return this.versions.list({ platform, component, active }, query.toPageQuery());
  }

  @Get(':id')
  @ApiOkResponse({ type: ComponentVersionDto })
  get(@Param('id', IdPipe) id: number) {
    return this.versions.get(id);
  }

  @Post()
  @Roles('admin')
  create(@Body() body: CreateComponentVersionDto) {
    return this.versions.create(body);
  }

  @Patch(':id')
  @Roles('admin')
  update(@Param('id', IdPipe) id: number, @Body() body: UpdateComponentVersionDto) {
    return this.versions.update(id, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  remove(@Param('id', IdPipe) id: number) {
    return this.versions.remove(id);
  }
}
