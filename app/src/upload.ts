import type { ImageType, UploadForm } from "./api";

/** The longest side a report photo keeps; a phone's 4000 px photo shrinks to about a tenth of its bytes. */
export const MAX_SIDE = 2048;
/** Photos smaller than this go as taken. */
export const RESIZE_ABOVE_BYTES = 1_500_000;
const IMAGE_TYPES: readonly string[] = ["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"];

export function imageType(blob: Blob): ImageType {
  return (IMAGE_TYPES.includes(blob.type) ? blob.type : "image/jpeg") as ImageType;
}

/** The size a photo is drawn at so that its longest side is at most `maxSide`, or null when it already fits. */
export function fittedSize(width: number, height: number, maxSide = MAX_SIDE): { width: number; height: number } | null {
  const longest = Math.max(width, height);
  if (longest <= maxSide) return null;
  const scale = maxSide / longest;
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/**
 * Shrinks a large photo on the device before it is sent (a slow network pays for every byte). Drawing drops the
 * photo's EXIF, which cleanups are verified with (where and when it was taken), so the cleanup screen sends its
 * photos as taken unless they exceed the upload form's limit. A browser that cannot decode the photo sends it as is.
 */
export async function shrink(photo: Blob, limitBytes = RESIZE_ABOVE_BYTES): Promise<Blob> {
  if (photo.size <= limitBytes || typeof createImageBitmap !== "function") return photo;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(photo);
  } catch {
    return photo;
  }
  const size = fittedSize(bitmap.width, bitmap.height) ?? { width: bitmap.width, height: bitmap.height };
  const canvas = document.createElement("canvas");
  canvas.width = size.width;
  canvas.height = size.height;
  canvas.getContext("2d")?.drawImage(bitmap, 0, 0, size.width, size.height);
  bitmap.close();
  const resized = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  return resized && resized.size < photo.size ? resized : photo;
}

export class UploadError extends Error {
  constructor(
    message: string,
    readonly offline: boolean,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

/** Posts the photo straight to S3 through its presigned form, reporting progress (0…1) as the bytes go. */
export function uploadPhoto(form: UploadForm, photo: Blob, onProgress?: (fraction: number) => void): Promise<void> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, String(value));
  body.append("file", photo);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", form.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress?.(1);
        resolve();
      } else {
        reject(new UploadError(`the photo store refused the photo (${request.status})`, false));
      }
    });
    request.addEventListener("error", () => reject(new UploadError("the photo could not be sent", true)));
    request.addEventListener("timeout", () => reject(new UploadError("the photo took too long to send", true)));
    request.send(body);
  });
}
