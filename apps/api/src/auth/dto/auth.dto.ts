import { ApiProperty } from '@nestjs/swagger';
import { IsJWT, IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'demo' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username!: string;

  @ApiProperty({ example: 'demo12345' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsJWT()
  refresh_token!: string;
}

export class TokenPairDto {
  @ApiProperty() access_token!: string;
  @ApiProperty() refresh_token!: string;
  @ApiProperty({ example: 'Bearer' }) token_type!: 'Bearer';
  @ApiProperty({ description: 'access token lifetime in seconds' }) expires_in!: number;
}

export class MeDto {
  @ApiProperty() id!: number;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: ['admin', 'premium', 'normal'] }) role!: string;
  @ApiProperty({ description: 'tasks in flight allowed for this role' }) quota!: { limit: number };
  @ApiProperty({ description: 'rate-limit tier (the role)' }) rate_limit_tier!: string;
}
