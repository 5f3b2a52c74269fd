package telegramtest

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	_ "image/gif" // photos may be GIF, JPEG or PNG
	_ "image/jpeg"
	"image/png"
	"mime"
	"path"
	"strings"
	"sync"
)

// Photo limits the server enforces: 10 MB, width+height ≤ 10000, aspect
// ratio ≤ 20.
const (
	maxPhotoBytes = 10 << 20
	maxPhotoSides = 10000
	maxPhotoRatio = 20
)

// File returns a photo or document by any of its file ids, so a test can
// look at the chart or spreadsheet the bot sent.
func (s *Server) File(fileID string) (*File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[fileID]
	return f, ok
}

func (s *Server) newFileIDLocked(prefix string) (id, unique string) {
	b := make([]byte, 33)
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:24]), "AQAD" + base64.RawURLEncoding.EncodeToString(b[24:])
}

// storePhotoLocked keeps an uploaded photo and derives the sizes Telegram
// would offer (thumbnails up to 90, 320, 800 and 1280 px plus the
// original). All sizes resolve to the uploaded bytes: the fake does not
// resample.
func (s *Server) storePhotoLocked(data []byte, name string) (*File, *apiError) {
	if len(data) == 0 {
		return nil, badRequest("file must be non-empty")
	}
	if len(data) > maxPhotoBytes {
		return nil, badRequest("file is too big")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, badRequest("IMAGE_PROCESS_FAILED")
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 || w+h > maxPhotoSides || w > maxPhotoRatio*h || h > maxPhotoRatio*w {
		return nil, badRequest("PHOTO_INVALID_DIMENSIONS")
	}
	f := &File{Name: name, MIMEType: "image/" + format, Width: w, Height: h, Data: data, isPhoto: true}
	longest := max(w, h)
	for _, side := range []int{90, 320, 800, 1280} {
		if side >= longest {
			break
		}
		f.sizes = append(f.sizes, s.photoSizeLocked(f, w*side/longest, h*side/longest, len(data)*side/longest))
	}
	f.sizes = append(f.sizes, s.photoSizeLocked(f, w, h, len(data)))
	top := f.sizes[len(f.sizes)-1]
	f.FileID, f.FileUniqueID = top.FileID, top.FileUniqueID
	return f, nil
}

func (s *Server) photoSizeLocked(f *File, w, h, size int) wPhotoSize {
	id, unique := s.newFileIDLocked("AgACAgIAAxkBAAI")
	s.files[id] = f
	return wPhotoSize{FileID: id, FileUniqueID: unique, Width: max(w, 1), Height: max(h, 1), FileSize: max(size, 1)}
}

// commonTypes pins the MIME types of the documents bots usually send, which
// mime.TypeByExtension only knows when the system has a mime.types file.
var commonTypes = map[string]string{
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".csv":  "text/csv",
	".pdf":  "application/pdf",
	".json": "application/json",
	".txt":  "text/plain",
	".zip":  "application/zip",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".ics":  "text/calendar",
}

func (s *Server) storeDocumentLocked(data []byte, name, contentType string) *File {
	ext := strings.ToLower(path.Ext(name))
	mt := commonTypes[ext]
	if mt == "" {
		mt = mime.TypeByExtension(ext)
	}
	if mt == "" {
		mt = contentType
	}
	if mt == "" || strings.HasPrefix(mt, "application/octet-stream") {
		mt = "application/octet-stream"
	}
	if base, _, err := mime.ParseMediaType(mt); err == nil {
		mt = base
	}
	f := &File{Name: name, MIMEType: mt, Data: data}
	f.FileID, f.FileUniqueID = s.newFileIDLocked("BQACAgIAAxkBAAI")
	s.files[f.FileID] = f
	return f
}

// inputFileLocked resolves an InputFile-or-String parameter to a stored
// file of the wanted kind: an upload is stored, a file_id is looked up.
// URLs are refused with the error the real server gives when it cannot
// fetch them, because this server never fetches anything.
func (s *Server) inputFileLocked(p *params, name string, photo bool) (*File, *apiError) {
	if up := p.file(name); up != nil {
		if photo {
			return s.storePhotoLocked(up.data, up.filename)
		}
		if len(up.data) == 0 {
			return nil, badRequest("file must be non-empty")
		}
		return s.storeDocumentLocked(up.data, up.filename, up.contentType), nil
	}
	v := strings.TrimSpace(p.str(name))
	if lv := strings.ToLower(v); strings.HasPrefix(lv, "http://") || strings.HasPrefix(lv, "https://") {
		return nil, badRequest("failed to get HTTP URL content")
	}
	f := s.files[v]
	switch {
	case f == nil:
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	case photo && !f.isPhoto:
		return nil, badRequest("can't use file of type Document as Photo")
	case !photo && f.isPhoto:
		return nil, badRequest("can't use file of type Photo as Document")
	}
	return f, nil
}

func (s *Server) storeUserPhotoLocked() *File {
	f, err := s.storePhotoLocked(userPhoto(), "photo.png")
	if err != nil {
		panic("telegramtest: generated photo rejected: " + err.desc)
	}
	return f
}

// userPhoto is the picture users send: a 640×480 gradient PNG.
var userPhoto = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / 640), G: uint8(y * 255 / 480), B: 160, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

func userDocument(name string) []byte {
	return []byte("telegramtest document " + name + "\n")
}
