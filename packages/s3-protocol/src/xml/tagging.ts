/**
 * The object tag set document of Put/GetObjectTagging and PostObject's `tagging` field.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
 */
import { defineDocument } from './codec.js';

export interface Tag {
  key: string;
  value: string;
}
export interface Tagging {
  tagSet: Tag[];
}
export const TaggingXml = defineDocument<Tagging>({
  root: 'Tagging',
  fields: [
    {
      el: 'Tag',
      prop: 'tagSet',
      list: true,
      wrap: 'TagSet',
      type: {
        fields: [
          { el: 'Key', prop: 'key', type: 'string' },
          { el: 'Value', prop: 'value', type: 'string' },
        ],
      },
    },
  ],
});
