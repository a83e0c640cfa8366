import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '@app/auth';
import { JsonBytes } from '@app/cache';
import { IdPipe } from '../common/id.pipe';
import { SendsJsonBytes } from '../common/json-bytes';
import { CreateTemplateDto, TemplateDto, UpdateTemplateDto } from './dto/template.dto';
import { TemplatesService } from './templates.service';

@ApiTags('templates')
@ApiBearerAuth()
@Controller('templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  @SendsJsonBytes()
  @ApiQuery({ name: 'platform', required: false })
  @ApiOkResponse({ type: [TemplateDto] })
  list(@Query('platform') platform?: string): Promise<JsonBytes<TemplateDto[]>> {
    return this.templates.list(typeof platform === 'string' ? platform : undefined);
  }

  @Get(':id')
  @ApiOkResponse({ type: TemplateDto })
  get(@Param('id', IdPipe) id: number): Promise<TemplateDto> {
    return this.templates.get(id);
  }

  @Post()
  @Roles('admin')
  @ApiCreatedResponse({ type: TemplateDto })
  create(@Body() body: CreateTemplateDto): Promise<TemplateDto> {
    return this.templates.create(body);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOkResponse({ type: TemplateDto })
  update(@Param('id', IdPipe) id: number, @Body() body: UpdateTemplateDto): Promise<TemplateDto> {
    return this.templates.update(id, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param('id', IdPipe) id: number): Promise<void> {
    return this.templates.remove(id);
  }
}
